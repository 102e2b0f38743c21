"""Demo data of the expert pools (made through the services) and bulk scale data."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from experts import demo as experts_demo
from experts.models import Application, Expert, Notice, NoticeEntry
from experts.scale import create_experts
from portal import audit, permissions
from portal.models import AuditEvent, RoleAssignment

TZ = ZoneInfo("Asia/Shanghai")
S = Application.Status


def statuses(key):
    return set(Application.objects.filter(body__key=key).values_list("status", flat=True))


def counts():
    return (Application.objects.count(), Expert.objects.count(), Notice.objects.count(),
            NoticeEntry.objects.count(), AuditEvent.objects.count())


@pytest.fixture
def seeded(demo):
    """Demo accounts and bodies plus the expert-pool demo (whether or not seed_demo already ran it)."""
    experts_demo.seed_experts_demo()
    return demo


@pytest.mark.django_db
@pytest.mark.parametrize("key, extra", [("gd-quality", set()), ("xx-random", {S.VERIFIED})])
def test_demo_has_an_application_in_every_state(seeded, key, extra):
    expected = {S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.APPROVED, S.REJECTED, S.WITHDRAWN, S.IN_NOTICE,
                S.ADMITTED} | extra
    assert statuses(key) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["gd-quality", "xx-random"])
def test_demo_has_an_open_notice_with_three_candidates_ending_in_the_future(seeded, key):
    notice = Notice.objects.get(body__key=key, kind=Notice.Kind.ADMISSION, status=Notice.Status.OPEN)
    assert notice.ends_at > timezone.now()
    assert notice.entries.count() == 3
    assert set(notice.entries.values_list("outcome", flat=True)) == {NoticeEntry.Outcome.PENDING}
    assert set(notice.entries.values_list("application__status", flat=True)) == {S.IN_NOTICE}


@pytest.mark.django_db
@pytest.mark.parametrize("key, prefix", [("gd-quality", "GDZK"), ("xx-random", "XXSJ")])
def test_demo_closed_notice_admitted_its_candidates_and_the_result_was_announced(seeded, key, prefix):
    closed = Notice.objects.get(body__key=key, kind=Notice.Kind.ADMISSION, status=Notice.Status.CLOSED)
    assert closed.ends_at <= timezone.now()
    assert set(closed.entries.values_list("outcome", flat=True)) == {NoticeEntry.Outcome.ADMITTED}
    experts = Expert.objects.filter(application__notice_entries__notice=closed).select_related("user", "body")
    assert experts.count() == 3
    year = timezone.localdate().year
    assert sorted(e.certificate_no for e in experts) == [f"{prefix}{year}{n:04d}" for n in (1, 2, 3)]
    assert all(permissions.has(e.user, "serve_as_expert", e.body) for e in experts)
    result = Notice.objects.get(body__key=key, kind=Notice.Kind.ADMISSION_RESULT)
    assert result.status == Notice.Status.CLOSED
    assert set(result.entries.values_list("public_name", flat=True)) == {e.public_name for e in experts}


@pytest.mark.django_db
def test_demo_admits_two_jm_storage_experts_without_a_notice(seeded):
    experts = Expert.objects.filter(body__key="jm-storage", status=Expert.Status.ACTIVE)
    assert sorted(e.public_name for e in experts) == ["冯志强", "罗家豪"]
    assert not Notice.objects.filter(body__key="jm-storage").exists()
    assert AuditEvent.objects.filter(action="experts.admit", body__key="jm-storage",
                                     actor__email="sec-jm-storage@demo.quorum.cn").count() == 2


@pytest.mark.django_db
def test_demo_goes_through_the_services_so_the_audit_chains_hold(seeded):
    actions = set(AuditEvent.objects.filter(body__key="xx-random").values_list("action", flat=True))
    assert {"experts.application.submit", "experts.application.verify", "experts.application.forward",
            "experts.application.approve", "experts.notice.publish", "experts.admit",
            "experts.admission_result.publish"} <= actions
    assert all(report.ok for report in audit.verify())


@pytest.mark.django_db
def test_demo_public_snapshots_hold_no_personal_data(seeded):
    for expert in Expert.objects.select_related("profile"):
        public = " ".join([expert.public_name, expert.public_employer, expert.public_title, expert.public_fields])
        for private in (expert.profile.id_number, expert.profile.phone, expert.profile.address, expert.profile.email):
            assert private not in public


@pytest.mark.django_db
def test_demo_is_idempotent(seeded):
    before = counts()
    assert experts_demo.seed_experts_demo() == {}
    assert counts() == before


@pytest.mark.django_db
def test_demo_works_on_another_date_outside_the_enrolment_window(bodies):
    # 8 October 2027: just after the National Day holiday, outside xx-random's 2026 enrolment window
    from portal.demo import seed_demo

    with time_machine.travel(datetime(2027, 10, 8, 9, 30, tzinfo=TZ), tick=True):
        seed_demo()
        experts_demo.seed_experts_demo()  # a no-op when seed_demo already ran it
        now = timezone.now()
        closed = Notice.objects.get(body__key="xx-random", kind=Notice.Kind.ADMISSION, status=Notice.Status.CLOSED)
        assert closed.ends_at <= now
        assert Notice.objects.get(body__key="xx-random", status=Notice.Status.OPEN).ends_at > now
        assert set(Expert.objects.filter(body__key="gd-quality").values_list("term_start", flat=True)) == {
            date(2027, 10, 8)}
        assert statuses("xx-random") >= {S.DRAFT, S.VERIFIED, S.IN_NOTICE, S.ADMITTED}


# ---------------------------------------------------------------- scale


@pytest.mark.django_db
def test_create_experts_bulk_creates_admitted_members_with_fields_and_roles(pools):
    result = create_experts(500, batch=200)
    assert result["experts"] == 500
    experts = Expert.objects.filter(certificate_no__contains="S")
    assert experts.count() == 500
    assert set(experts.values_list("body__key", flat=True)) == {"jm-storage", "gd-quality", "xx-random"}
    assert experts.filter(body__key="gd-quality").count() in (166, 167)
    assert len(set(experts.values_list("certificate_no", flat=True))) == 500
    assert not experts.filter(fields=None).exists()
    assert set(Application.objects.filter(expert__in=experts).values_list("status", flat=True)) == {S.ADMITTED}
    assert Expert.fields.through.objects.filter(expert__in=experts).count() == result["field_links"]
    assert Application.fields.through.objects.filter(application__expert__in=experts).count() == result["field_links"]
    sample = experts.select_related("user", "body").first()
    assert sample.term_end > sample.term_start
    assert RoleAssignment.objects.filter(user=sample.user, body=sample.body, role="expert").exists()
    assert permissions.has(sample.user, "serve_as_expert", sample.body)


@pytest.mark.django_db
def test_create_experts_continues_numbering_on_a_second_run(pools):
    create_experts(30, batch=7)
    create_experts(30, batch=7)
    numbers = list(Expert.objects.filter(body__key="gd-quality").values_list("certificate_no", flat=True))
    assert len(numbers) == len(set(numbers)) == 20
    assert sorted(numbers)[0] == "GDZKS0000001" and sorted(numbers)[-1] == "GDZKS0000020"
