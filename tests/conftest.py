import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright + ORM in one test


@pytest.fixture(autouse=True)
def default_language():
    """Django leaves the last request's language active in the thread: start every test in
    the portal's default language and leave none behind."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def bodies(db):
    """The five seed bodies with their seed policies (no accounts)."""
    from portal.demo import ensure_bodies
    from portal.models import Body

    ensure_bodies()
    return {b.key: b for b in Body.objects.select_related("policy")}


@pytest.fixture
def demo(db):
    """Seed bodies plus every demo account, keyed by local part (admin, sec-gd-quality, …)."""
    from portal.demo import seed_demo

    return seed_demo()


@pytest.fixture
def site_admin(db):
    from tests.factories import UserFactory

    return UserFactory(is_superuser=True, is_staff=True, name="管理员")


@pytest.fixture
def pools(bodies):
    """Seed bodies plus expert-pool configuration (fields, eligibility rules, calls)."""
    from experts.seed import ensure_pool_config

    ensure_pool_config()
    return bodies
