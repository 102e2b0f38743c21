"""Fixtures of the project tests: jx-base with its office, an approver, and two
participating units, each with one account holding take_part."""
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from portal.models import Role
from tests.factories import UserFactory, grant

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def world(bodies):
    from projects.models import Organisation

    body = bodies["jx-base"]
    office = UserFactory(name="办公室 徐丽")
    grant(office, body, Role.SECRETARIAT)
    approver = UserFactory(name="审批人 王敏")
    grant(approver, body, Role.APPROVER)
    owner = UserFactory(name="质标院 胡波")
    grant(owner, body, Role.MEMBER)
    other = UserFactory(name="绿色院 邹云")
    grant(other, body, Role.MEMBER)
    stranger = UserFactory(name="路人")
    org = Organisation.objects.create(body=body, name="江西省质量和标准化研究院", credit_code="12360000491012345X")
    org.members.add(owner)
    org2 = Organisation.objects.create(body=body, name="江西绿色生态产业技术研究院")
    org2.members.add(other)
    return SimpleNamespace(body=body, office=office, approver=approver, owner=owner, other=other, org=org,
                           org2=org2, stranger=stranger)


def make_draft(w, *, title="绿色低碳园区评价标准", now=None):
    from projects.services import project_application as app

    now = now or at(2026, 3, 2)
    p = app.create_project(w.org, actor=w.owner, title=title, now=now)
    app.update_project(p, actor=w.owner, now=now, values={
        "field": "industry", "goals": "研制评价标准", "expected_outputs": "团体标准 1 项",
        "starts_on": date(2026, 4, 1), "ends_on": date(2027, 3, 31), "lead_name": "胡波"},
        milestones=[("标准草案", date(2026, 6, 30)), ("送审稿", date(2026, 12, 31))],
        team=[("胡波", w.org.name, "lead")], partners=[("江西省标准化协会", "", "技术支持", "组织论证")],
        budget=[("调研费", Decimal("8.00"), "专项")])
    return p


def in_notice(w, *, now=None):
    from projects.services import project_application as app

    now = now or at(2026, 3, 2)
    p = make_draft(w, now=now)
    app.submit_project(p, actor=w.owner, now=now)
    return app.approve_project(p, actor=w.office, reason="同意", now=now)


def in_progress(w, *, now=None):
    from projects.services import project_notice as notice

    now = now or at(2026, 3, 2)
    p = in_notice(w, now=now)
    notice.close_due_notices(now=p.notice_ends_at + timedelta(minutes=1))
    p.refresh_from_db()
    return p


@pytest.fixture
def helpers():
    return SimpleNamespace(at=at, make_draft=make_draft, in_notice=in_notice, in_progress=in_progress)
