"""Factories for the expert pool. `make_application(body, status=...)` builds a complete,
eligible application in any state without going through the services (for arranging tests)."""
from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from experts.models import Application, ExpertField, ExpertProfile
from tests.factories import UserFactory


def valid_resident_id(birth=date(1975, 6, 15), seq="123"):
    """A checksum-valid 18-digit resident ID number (GB 11643-1999)."""
    base = f"440104{birth:%Y%m%d}{seq}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(base, weights)) % 11]
    return base + check


class ProfileFactory(DjangoModelFactory):
    class Meta:
        model = ExpertProfile

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"专家{n:03d}")
    gender = "female"
    birth_date = date(1975, 6, 15)
    id_type = "resident"
    id_number = factory.Sequence(lambda n: valid_resident_id(seq=f"{n % 1000:03d}"))
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.LazyAttribute(lambda o: o.user.email)
    address = "广州市天河区体育西路 1 号"
    employer = factory.Sequence(lambda n: f"广东省质量研究院{n}")
    employer_type = "institution"
    position = "室主任"
    title = "高级工程师"
    title_level = "deputy_senior"
    degree = "master"
    degree_year = 2005
    work_since = 2000
    region = "广州市"
    cv = "长期从事质量管理研究与咨询工作。"


def make_application(body, status=Application.Status.SUBMITTED, *, profile=None, fields=None, **extra):
    profile = profile or ProfileFactory()
    now = timezone.now()
    app = Application.objects.create(
        body=body, applicant=profile.user, profile=profile, status=status,
        submitted_at=None if status == Application.Status.DRAFT else now, **extra)
    chosen = fields if fields is not None else list(ExpertField.objects.filter(body=body, parent=None)[:1])
    app.fields.set(chosen)
    return app
