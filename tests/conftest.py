import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright + ORM in one test


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
