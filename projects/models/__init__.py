from .comments import *  # noqa
