import factory
from factory.django import DjangoModelFactory

from portal.models import Body, Policy, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    name = factory.Sequence(lambda n: f"用户{n}")
    email_verified = True
    password = factory.django.Password("pw-Quorum-123")


class BodyFactory(DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ("key",)
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"body-{n}")
    name_zh = factory.Sequence(lambda n: f"测试机构{n}")
    name_en = factory.Sequence(lambda n: f"Test body {n}")
    kind = Body.Kind.EXPERT_COMMITTEE
    policy = factory.RelatedFactory("tests.factories.PolicyFactory", factory_related_name="body")


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = Policy


def grant(user, body, role):
    """Grant a role through the audited service, as a site admin would."""
    from portal.roles import grant_role

    return grant_role(user, body, role, actor=None)
