from .comments import *  # noqa
from .projects import *  # noqa: F401,F403
