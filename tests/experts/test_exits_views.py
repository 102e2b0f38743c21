"""Exit and term pages: permissions, forms (bad input → message, no change), downloads, public
announcement privacy, and constant query counts on the staff lists."""
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from django.apps import apps
from experts.models import ExitCase, ExitReason, ExitTrigger, Renewal
from experts.services import exits, terms
from portal.models import Role
from portal.workdays import TZ
from tests.experts.test_draw_pool import gd, people, xx  # noqa: F401 (fixtures)
from tests.experts.test_invitations import make_expert
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
X = ExitCase.Status
NOW = datetime(2026, 11, 20, 10, tzinfo=TZ)


def member(body, **kw):
    e = make_expert(body, **kw)
    grant(e.user, body, Role.EXPERT)
    return e


def proposed_case(body, **kw):
    e = member(body, **kw)
    t = ExitTrigger.objects.create(expert=e, kind="unexcused_absences", raised_at=NOW,
                                   evidence={"count": 2, "threshold": 2, "draws": ["GD-2026-001"]})
    return exits.open_case_for_trigger(t, now=NOW)


def html(response):
    return response.content.decode()


# ---------------------------------------------------------------------------
# the staff queue


def test_exit_queue_is_for_this_bodys_staff_only(client, gd, xx, people):
    url = reverse("experts:exit-list", args=[gd.key])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    other = UserFactory()
    grant(other, xx, Role.SECRETARIAT)
    client.force_login(other)
    assert client.get(url).status_code == 403
    for role in ("staff", "approver", "supervisor"):
        client.force_login(people[role])
        assert client.get(url).status_code == 200


def test_exit_queue_query_count_is_constant(client, gd, people, django_assert_max_num_queries):
    client.force_login(people["staff"])
    url = reverse("experts:exit-list", args=[gd.key])
    proposed_case(gd)
    with django_assert_max_num_queries(14):
        one = client.get(url)
    assert html(one).count('href="/bodies/gd-quality/exits/') == 1
    for _ in range(12):
        proposed_case(gd)
    with django_assert_max_num_queries(14):
        many = client.get(url)
    assert html(many).count('href="/bodies/gd-quality/exits/') == 13
    assert "无故缺席" in html(many)


def test_renewal_queue_query_count_is_constant(client, gd, people, django_assert_max_num_queries):
    client.force_login(people["staff"])
    url = reverse("experts:renewal-list", args=[gd.key])
    terms.file_renewal(member(gd), actor=people["staff"])
    with django_assert_max_num_queries(12):
        assert html(client.get(url)).count('href="/bodies/gd-quality/renewals/') == 1
    for _ in range(10):
        terms.file_renewal(member(gd), actor=people["staff"])
    with django_assert_max_num_queries(12):
        assert html(client.get(url)).count('href="/bodies/gd-quality/renewals/') == 11


# ---------------------------------------------------------------------------
# a case's actions


def test_detail_shows_each_role_only_its_actions(client, gd, people):
    case = proposed_case(gd)
    url = reverse("experts:exit-detail", args=[gd.key, case.pk])
    client.force_login(people["staff"])
    page = html(client.get(url))
    assert 'data-testid="verify-form"' in page and 'data-testid="decide-form"' not in page
    client.force_login(people["approver"])
    page = html(client.get(url))
    assert 'data-testid="verify-form"' not in page and 'data-testid="decide-form"' in page  # keep only, at once
    client.force_login(people["supervisor"])
    page = html(client.get(url))
    assert "form" not in page.split('id="verify-heading"')[1].split("</section>")[0]


def test_empty_findings_are_refused_on_the_form_and_change_nothing(client, gd, people):
    case = proposed_case(gd)
    client.force_login(people["staff"])
    response = client.post(reverse("experts:exit-verify", args=[gd.key, case.pk]), {"findings": "  "})
    assert response.status_code == 400
    assert "请填写核实情况。" in html(response)
    assert ExitCase.objects.get(pk=case.pk).status == X.PROPOSED


def test_staff_cannot_decide_and_the_approver_cannot_verify(client, gd, people):
    case = proposed_case(gd)
    client.force_login(people["approver"])
    assert client.post(reverse("experts:exit-verify", args=[gd.key, case.pk]), {"findings": "x"}).status_code == 403
    client.force_login(people["staff"])
    response = client.post(reverse("experts:exit-decide", args=[gd.key, case.pk]),
                           {"decision": "keep", "decision_reason": "x"})
    assert response.status_code == 403
    assert ExitCase.objects.get(pk=case.pk).status == X.PROPOSED


def test_deciding_exit_without_a_reason_is_refused_on_the_form(client, gd, people):
    case = proposed_case(gd)
    exits.start_verification(case, actor=people["staff"], findings="f", now=NOW)
    ExitCase.objects.filter(pk=case.pk).update(respond_by=NOW)  # the period is over
    client.force_login(people["approver"])
    response = client.post(reverse("experts:exit-decide", args=[gd.key, case.pk]),
                           {"decision": "exit", "reason": "", "decision_reason": "属实"})
    assert response.status_code == 400 and "决定出库时请选择出库情形。" in html(response)
    assert ExitCase.objects.get(pk=case.pk).status == X.VERIFYING


def test_case_of_another_body_is_404(client, gd, xx, people):
    case = proposed_case(xx)
    client.force_login(people["staff"])
    assert client.get(reverse("experts:exit-detail", args=[gd.key, case.pk])).status_code == 404


# ---------------------------------------------------------------------------
# violation report


def test_violation_upload_of_a_wrong_type_is_refused_and_nothing_is_opened(client, gd, people):
    e = member(gd)
    client.force_login(people["staff"])
    url = reverse("experts:exit-violation", args=[gd.key, e.pk])
    reason = ExitReason.objects.get(body=gd, code="bribery")
    bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url, {"reason": reason.pk, "summary": "收受礼金", "evidence": bad})
    assert response.status_code == 400 and "只接受 PDF、JPG 或 PNG 文件" in html(response)
    assert not ExitCase.objects.exists()
    good = SimpleUploadedFile("x.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    response = client.post(url, {"reason": reason.pk, "summary": "收受礼金", "evidence": good})
    case = ExitCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("experts:exit-detail", args=[gd.key, case.pk])
    evidence = client.get(reverse("experts:exit-evidence", args=[gd.key, case.pk]))
    assert b"".join(evidence.streaming_content) == b"%PDF-1.4 proof"
    client.force_login(people["approver"])
    assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------
# the expert's side, the letter and the public announcement


def test_expert_requests_exit_responds_and_downloads_the_letter(client, xx, people):
    e = member(xx)
    client.force_login(e.user)
    response = client.post(reverse("experts:exit-request", args=[e.pk]), {"statement": ""})
    assert response.status_code == 400 and "请填写退出理由。" in html(response)
    response = client.post(reverse("experts:exit-request", args=[e.pk]), {"statement": "工作调动"})
    case = ExitCase.objects.get()
    assert response["Location"] == reverse("experts:my-exit", args=[case.pk])
    assert client.get(reverse("experts:exit-letter", args=[case.pk])).status_code == 404  # no letter yet
    exits.confirm_voluntary(case, actor=people["staff"])
    exits.issue_exit(case, actor=people["staff"])
    letter = client.get(reverse("experts:exit-letter", args=[case.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert "exit-notice-" in letter["Content-Disposition"]
    client.force_login(people["staff"])  # the body's staff download it too
    assert client.get(reverse("experts:exit-letter", args=[case.pk])).content.startswith(b"%PDF")
    client.force_login(UserFactory())
    assert client.get(reverse("experts:exit-letter", args=[case.pk])).status_code == 404
    assert client.get(reverse("experts:my-exit", args=[case.pk])).status_code == 404


def test_expert_response_through_the_page(client, gd, people):
    case = proposed_case(gd)
    exits.start_verification(case, actor=people["staff"], findings="两次缺席", now=datetime.now(TZ))
    client.force_login(case.expert.user)
    url = reverse("experts:my-exit", args=[case.pk])
    assert 'data-testid="respond-form"' in html(client.get(url))
    response = client.post(url, {"response": "第二次缺席已提前电话请假"})
    assert response.status_code == 302
    assert ExitCase.objects.get(pk=case.pk).response == "第二次缺席已提前电话请假"


def test_public_exit_announcement_shows_public_fields_only(client, gd, people):
    e = member(gd)
    case = exits.request_voluntary_exit(e, actor=e.user, statement="身体原因，另有手机 13900000000")
    exits.confirm_voluntary(case, actor=people["staff"])
    case = exits.issue_exit(case, actor=people["staff"])
    page = html(client.get(reverse("experts:notice-detail", args=[case.notice_id])))
    assert e.public_name in page and e.public_employer in page and "出库专家" in page
    assert "本人书面申请不再担任智库专家" in page
    for private in (e.profile.id_number, e.profile.phone, e.profile.email, "13900000000", "身体原因"):
        assert private not in page
    listing = html(client.get(reverse("experts:notice-list")))
    assert case.notice.number in listing and "出库公告" in listing


def test_membership_page_offers_renewal_and_exit(client, xx, people):
    e = member(xx)
    client.force_login(e.user)
    url = reverse("experts:my-membership", args=[e.pk])
    page = html(client.get(url))
    assert 'data-testid="renewal-form"' in page and reverse("experts:exit-request", args=[e.pk]) in page
    assert client.post(url, {"statement": "申请续聘"}).status_code == 302
    assert Renewal.objects.get(expert=e).status == Renewal.Status.SUBMITTED
    assert 'data-testid="renewal-form"' not in html(client.get(url))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_renewal_actions_through_the_pages(client, xx, people):
    e = member(xx)
    r = terms.file_renewal(e, actor=e.user)
    client.force_login(people["staff"])
    url = reverse("experts:renewal-detail", args=[xx.key, r.pk])
    assert "报送审批" in html(client.get(url))
    assert client.post(reverse("experts:renewal-forward", args=[xx.key, r.pk]), {"forward-note": "同意"}).status_code == 302
    client.force_login(people["approver"])
    response = client.post(reverse("experts:renewal-reject", args=[xx.key, r.pk]), {"reject-reason": ""})
    assert response.status_code == 400 and "请填写理由。" in html(response)
    assert client.post(reverse("experts:renewal-approve", args=[xx.key, r.pk]), {"approve-note": "同意"}).status_code == 302
    client.force_login(people["staff"])
    assert client.post(reverse("experts:renewal-notice", args=[xx.key, r.pk])).status_code == 302
    assert Renewal.objects.get(pk=r.pk).status == Renewal.Status.IN_NOTICE


def test_enrolment_form_refuses_bad_dates_on_the_form(client, xx, people):
    client.force_login(people["staff"])
    url = reverse("experts:enrolment", args=[xx.key])
    response = client.post(url, {"title": "征集", "opens_at": "2030-03-31T09:00", "closes_at": "2030-03-01T09:00"})
    assert response.status_code == 400 and "截止时间须晚于开始时间。" in html(response)
    response = client.post(url, {"title": "2030年度征集", "opens_at": "2030-03-01T09:00",
                                 "closes_at": "2030-03-31T17:00"})
    assert response.status_code == 302


def test_pending_tasks_list_exit_cases_and_renewals(gd, people):
    proposed_case(gd)
    terms.file_renewal(member(gd), actor=people["staff"])
    titles = [t["title"] for t in apps.get_app_config("experts").pending_tasks(people["staff"])]
    assert "“广东省质量发展智库”有 1 项出库事项待办理" in titles
    assert "“广东省质量发展智库”有 1 份续聘申请待办理" in titles


def test_demo_has_a_voluntary_exit_request_a_renewal_and_an_enrolment_window(demo):
    from experts.demo import seed_lifecycle_demo
    from experts.models import Call

    request = ExitCase.objects.get(body__key="gd-quality")
    assert (request.status, request.source) == (X.REQUESTED, "voluntary")
    assert Renewal.objects.get(body__key="jm-storage").status == Renewal.Status.SUBMITTED
    window = Call.objects.get(body__key="xx-random", title__contains="补充征集公告")
    assert window.opens_at.month == 3 and not window.is_open()
    assert seed_lifecycle_demo() == {}  # idempotent


def test_pool_page_offers_violation_and_renewal_to_the_secretariat_only(client, gd, people):
    e = member(gd)
    url = reverse("experts:expert-detail", args=[gd.key, e.pk])
    client.force_login(people["staff"])
    page = html(client.get(url))
    assert reverse("experts:exit-violation", args=[gd.key, e.pk]) in page
    assert reverse("experts:renewal-start", args=[gd.key, e.pk]) in page
    client.force_login(people["approver"])
    page = html(client.get(url))
    assert reverse("experts:exit-violation", args=[gd.key, e.pk]) not in page
    assert client.post(reverse("experts:renewal-start", args=[gd.key, e.pk])).status_code == 403
    client.force_login(people["staff"])
    response = client.post(reverse("experts:renewal-start", args=[gd.key, e.pk]))
    r = Renewal.objects.get(expert=e)
    assert response["Location"] == reverse("experts:renewal-detail", args=[gd.key, r.pk])


def test_beat_tasks_call_the_idempotent_services(gd, people):
    from experts import tasks

    e = member(gd, term_start=date(2020, 1, 1), term_end=date(2022, 12, 31))
    assert tasks.lapse_ended_terms() == 1 and tasks.lapse_ended_terms() == 0
    assert tasks.remind_term_ends() == 0
    assert tasks.open_exit_cases() == 0
    assert tasks.complete_renewals() == 0
    e.refresh_from_db()
    assert e.status == "lapsed"
    assert tasks.raise_age_triggers() == 0


def test_before_verification_the_approver_may_only_dismiss_the_proposal(client, gd, people):
    case = proposed_case(gd)
    client.force_login(people["approver"])
    url = reverse("experts:exit-decide", args=[gd.key, case.pk])
    reason = ExitReason.objects.get(body=gd, code="absences")
    response = client.post(url, {"decision": "exit", "reason": reason.pk, "decision_reason": "属实"})
    assert response.status_code == 400 and ExitCase.objects.get(pk=case.pk).status == X.PROPOSED
    response = client.post(url, {"decision": "keep", "decision_reason": "两次缺席均已补假"})
    assert response.status_code == 302 and ExitCase.objects.get(pk=case.pk).status == X.KEPT
