"""The exit process (出库): seeded reasons, triggers opening cases (boundaries: second 差 within
vs across terms, third unanswered invitation vs an accepted one in between, the age limit),
reported violations, verification with the response period, the decision, the written notice
and the public announcement, voluntary exit."""
from datetime import date, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from experts.draws.pool import eligible_pool
from experts.models import ExitCase, ExitReason, ExitTrigger, Expert, Invitation, Notice
from experts.services import draws as draw_services
from experts.services import evaluations, exits
from experts.services.exits import ExitError
from portal.models import AuditEvent, Notification, Role, RoleAssignment
from portal.workdays import TZ
from tests.experts.test_draw_pool import (  # noqa: F401 (fixtures)
    DAY, NOW, gd, new_draw, people, run_draw, sent, xx)
from tests.experts.test_invitations import invite, make_draw, make_expert
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
X = ExitCase.Status
R = Invitation.Rating
I = Invitation.Status


def at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def jm(pools):
    return pools["jm-storage"]


def member(body, **kw):
    expert = make_expert(body, **kw)
    grant(expert.user, body, Role.EXPERT)
    return expert


def rate_poor(body, expert, day, staff):
    inv = invite(make_draw(body, start=day, operator=staff), expert, status=I.ACCEPTED)
    evaluations.rate(inv, actor=staff, rating=R.POOR, now=at(day.year, day.month, day.day, 18))
    return inv


# ---------------------------------------------------------------------------
# reasons as per-body data


def test_each_body_has_its_seeded_exit_reasons_with_quoted_clauses(pools, jm, gd, xx):
    gd_codes = list(ExitReason.objects.filter(body=gd).values_list("code", flat=True))
    assert gd_codes == ["over-age", "voluntary", "irresponsible", "abuse-of-status", "bribery", "absences",
                        "disclosure", "other", "death"]
    assert ExitReason.objects.filter(body=xx).count() == 8  # six of 第九条 + voluntary + death
    absences = ExitReason.objects.get(body=gd, code="absences")
    assert "第八条（六）：「接受邀请后无故缺席活动两次或以上的。」" in absences.clause
    assert absences.trigger_kind == "unexcused_absences"
    assert ExitReason.objects.get(body=xx, code="poor-ratings").trigger_kind == "poor_ratings"
    assert "5.3：「违反法律法规和本章程的专家，将自动失去委员资格。」" in ExitReason.objects.get(body=jm, code="violation").clause
    assert {b.key for b in [jm, gd, xx] if ExitReason.objects.filter(body=b, is_voluntary=True).exists()} == {
        "jm-storage", "gd-quality", "xx-random"}
    assert ExitReason.objects.filter(code="death").count() == 3


# ---------------------------------------------------------------------------
# triggers open cases


def test_second_poor_rating_within_one_term_opens_one_exit_case(xx, people, django_capture_on_commit_callbacks):
    staff = people["staff"]
    e = member(xx, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        rate_poor(xx, e, date(2026, 3, 10), staff)
    assert not ExitCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        rate_poor(xx, e, date(2028, 12, 31), staff)  # the term's last day
    case = ExitCase.objects.get()
    assert (case.status, case.source, case.reason.code) == (X.PROPOSED, "trigger", "poor-ratings")
    assert case.evidence["poor_ratings"]["count"] == 2
    assert list(case.triggers.values_list("kind", flat=True)) == ["poor_ratings"]
    assert Expert.objects.get(pk=e.pk).status == Expert.Status.ACTIVE  # nothing removed silently


def test_poor_ratings_across_two_terms_open_no_case(xx, people, django_capture_on_commit_callbacks):
    staff = people["staff"]
    e = member(xx, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        rate_poor(xx, e, date(2025, 12, 31), staff)  # previous term (the day before this one)
        rate_poor(xx, e, date(2026, 1, 1), staff)
    assert not ExitTrigger.objects.exists()
    assert not ExitCase.objects.exists()


def test_third_unanswered_invitation_in_a_row_opens_a_case(xx, people, sent, django_capture_on_commit_callbacks):
    xx.policy.rotation_consecutive_draws = 0
    xx.policy.save()
    e = member(xx, term_start=date(2029, 1, 1), term_end=date(2031, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            run_draw(xx, people, needed=1, day=DAY + timedelta(days=10 * n), now=NOW + timedelta(days=3 * n))
            draw_services.expire_due_invitations(now=NOW + timedelta(days=3 * n + 2))
    assert not ExitCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_draw(xx, people, needed=1, day=DAY + timedelta(days=20), now=NOW + timedelta(days=6))
        draw_services.expire_due_invitations(now=NOW + timedelta(days=8))
    case = ExitCase.objects.get()
    assert case.reason.code == "unanswered" and case.evidence["unanswered"]["count"] == 3


def test_an_accepted_invitation_between_unanswered_ones_opens_no_case(xx, people, sent,
                                                                     django_capture_on_commit_callbacks):
    xx.policy.rotation_consecutive_draws = 0
    xx.policy.save()
    e = member(xx, term_start=date(2029, 1, 1), term_end=date(2031, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            draw = run_draw(xx, people, needed=1, day=DAY + timedelta(days=10 * n), now=NOW + timedelta(days=3 * n))
            if n == 2:
                draw_services.reply(draw.invitations.get(), actor=e.user, answer="accept",
                                    now=NOW + timedelta(days=3 * n, hours=1))
            else:
                draw_services.expire_due_invitations(now=NOW + timedelta(days=3 * n + 2))
    e.refresh_from_db()
    assert e.unanswered_streak == 1
    assert not ExitCase.objects.exists()


def test_two_triggers_of_one_expert_share_one_open_case(gd, people):
    e = member(gd)
    t1 = ExitTrigger.objects.create(expert=e, kind="unexcused_absences", raised_at=NOW, evidence={"count": 2})
    t2 = ExitTrigger.objects.create(expert=e, kind="age", raised_at=NOW, evidence={"age": 66})
    case = exits.open_case_for_trigger(t1, now=NOW)
    assert exits.open_case_for_trigger(t2, now=NOW) == case
    assert exits.open_case_for_trigger(t1, now=NOW) == case  # idempotent
    assert set(case.triggers.values_list("kind", flat=True)) == {"unexcused_absences", "age"}
    assert ExitCase.objects.count() == 1


def test_sweep_opens_cases_for_triggers_without_one_and_is_idempotent(gd, people):
    e = member(gd)
    ExitTrigger.objects.create(expert=e, kind="unexcused_absences", raised_at=NOW, evidence={})
    gone = member(gd)
    ExitTrigger.objects.create(expert=gone, kind="unexcused_absences", raised_at=NOW, evidence={})
    Expert.objects.filter(pk=gone.pk).update(status=Expert.Status.LAPSED)
    assert exits.open_cases_for_open_triggers(now=NOW) == 1
    assert exits.open_cases_for_open_triggers(now=NOW) == 0
    assert ExitCase.objects.get().expert == e


@pytest.mark.parametrize("today, over", [(date(2026, 6, 14), False), (date(2026, 6, 15), True)])
def test_age_trigger_on_the_day_after_the_limit_year_is_completed(gd, people, today, over):
    # born 1960-06-15: 65 full years until 2026-06-14, 66 on 2026-06-15 → over "不超过65周岁"
    e = member(gd)
    e.profile.birth_date = date(1960, 6, 15)
    e.profile.save()
    now = datetime(today.year, today.month, today.day, 1, 10, tzinfo=TZ)
    assert exits.raise_age_triggers(now=now) == int(over)
    assert exits.raise_age_triggers(now=now + timedelta(minutes=5)) == 0  # run twice: nothing new
    if over:
        assert exits.raise_age_triggers(now=now + timedelta(days=1)) == 0  # next day: still one trigger
        case = ExitCase.objects.get(expert=e)
        assert case.reason.code == "over-age"
        assert case.evidence["age"] == {"age": 66, "limit": 65, "on": "2026-06-15"}
    else:
        assert not ExitTrigger.objects.filter(expert=e).exists()


def test_report_violation_needs_manage_experts_and_a_body_reason(jm, people):
    e = member(jm)
    staff = UserFactory()
    grant(staff, jm, Role.SECRETARIAT)
    reason = ExitReason.objects.get(body=jm, code="violation")
    with pytest.raises(PermissionDenied):
        exits.report_violation(e, actor=UserFactory(), reason=reason, summary="x", now=NOW)
    with pytest.raises(ExitError) as exc:
        exits.report_violation(e, actor=staff, reason=reason, summary="  ", now=NOW)
    assert exc.value.message_dict == {"summary": ["请填写违规情况。"]}
    foreign = ExitReason.objects.exclude(body=jm).first()
    with pytest.raises(ExitError):
        exits.report_violation(e, actor=staff, reason=foreign, summary="x", now=NOW)
    assert not ExitCase.objects.exists() and not ExitTrigger.objects.exists()
    pdf = SimpleUploadedFile("e.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    case = exits.report_violation(e, actor=staff, reason=reason, summary="以委员会名义对外发布未经审定的报告",
                                  evidence_file=pdf, now=NOW)
    assert (case.source, case.status, case.reason) == ("violation", X.PROPOSED, reason)
    assert case.triggers.get().kind == ExitTrigger.Kind.VIOLATION
    assert case.evidence_file.name.startswith(f"exits/{jm.pk}/")
    with pytest.raises(ExitError):  # one open case per expert
        exits.report_violation(e, actor=staff, reason=reason, summary="再次报告", now=NOW)


# ---------------------------------------------------------------------------
# verification, response period, decision


@pytest.fixture
def proposed(gd, people):
    e = member(gd, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31))
    t = ExitTrigger.objects.create(expert=e, kind="unexcused_absences", raised_at=at(2026, 11, 20),
                                   evidence={"count": 2, "threshold": 2, "draws": ["GD-2026-001", "GD-2026-004"]})
    return exits.open_case_for_trigger(t, now=at(2026, 11, 20))


def test_verification_sets_the_response_period_in_working_days_and_tells_the_expert(proposed, people,
                                                                                   django_capture_on_commit_callbacks):
    with pytest.raises(ExitError):
        exits.start_verification(proposed, actor=people["staff"], findings="", now=at(2026, 11, 25))
    with pytest.raises(PermissionDenied):
        exits.start_verification(proposed, actor=people["approver"], findings="x", now=at(2026, 11, 25))
    case = exits.start_verification(proposed, actor=people["staff"], findings="两次缺席均未请假。", now=at(2026, 11, 25))
    # Wed 25 Nov + 5 working days = Wed 2 Dec, 24:00
    assert case.respond_by == datetime(2026, 12, 3, 0, 0, tzinfo=TZ)
    n = Notification.objects.get(user=case.expert.user, kind="exit_verification")
    assert "2026年12月2日 24:00" in n.text and "两次缺席均未请假。" in n.text


def test_exit_response_workdays_is_a_pool_setting(proposed, people, gd):
    gd.pool_settings.exit_response_workdays = 1
    gd.pool_settings.save()
    case = exits.start_verification(proposed, actor=people["staff"], findings="f", now=at(2026, 11, 27))  # Fri
    assert case.respond_by == datetime(2026, 12, 1, 0, 0, tzinfo=TZ)  # Mon 30 Nov, 24:00


def test_expert_responds_within_the_period_only(proposed, people):
    case = exits.start_verification(proposed, actor=people["staff"], findings="f", now=at(2026, 11, 25))
    with pytest.raises(PermissionDenied):
        exits.respond(case, actor=people["staff"], response="x", now=at(2026, 11, 26))
    with pytest.raises(ExitError):
        exits.respond(case, actor=case.expert.user, response="迟到的陈述", now=datetime(2026, 12, 3, 0, 0, tzinfo=TZ))
    case = exits.respond(case, actor=case.expert.user, response="第二次缺席因突发疾病，附诊断证明。",
                         now=datetime(2026, 12, 2, 23, 59, tzinfo=TZ))
    assert case.response.startswith("第二次缺席")


def test_exit_decision_waits_for_the_response_or_the_end_of_the_period(proposed, people, gd):
    case = exits.start_verification(proposed, actor=people["staff"], findings="f", now=at(2026, 11, 25))
    reason = ExitReason.objects.get(body=gd, code="absences")
    with pytest.raises(ExitError) as exc:
        exits.decide(case, actor=people["approver"], leave=True, reason=reason, decision_reason="属实",
                     now=datetime(2026, 12, 2, 23, 59, tzinfo=TZ))
    assert "2026年12月2日 24:00" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        exits.decide(case, actor=people["staff"], leave=True, reason=reason, decision_reason="属实",
                     now=datetime(2026, 12, 3, 0, 0, tzinfo=TZ))
    case = exits.decide(case, actor=people["approver"], leave=True, reason=reason, decision_reason="属实",
                        now=datetime(2026, 12, 3, 0, 0, tzinfo=TZ))
    assert case.status == X.DECIDED
    assert Expert.objects.get(pk=case.expert_id).status == Expert.Status.ACTIVE  # not yet: notice first


def test_keep_resolves_the_triggers_and_a_new_trigger_opens_a_new_case(proposed, people):
    case = exits.decide(proposed, actor=people["approver"], leave=False, decision_reason="缺席事出有因",
                        now=at(2026, 11, 26))
    assert case.status == X.KEPT
    assert not ExitTrigger.objects.filter(resolved_at__isnull=True).exists()
    t = ExitTrigger.objects.create(expert=case.expert, kind="unexcused_absences", raised_at=at(2027, 1, 5),
                                   evidence={"count": 3})
    again = exits.open_case_for_trigger(t, now=at(2027, 1, 5))
    assert again.pk != case.pk and again.status == X.PROPOSED


# ---------------------------------------------------------------------------
# written notice, announcement, leaving the pool


def test_issue_exit_numbers_the_letter_publishes_public_fields_and_leaves_the_pool(
        proposed, people, gd, django_capture_on_commit_callbacks):
    case = exits.start_verification(proposed, actor=people["staff"], findings="两次无故缺席", now=at(2026, 11, 25))
    reason = ExitReason.objects.get(body=gd, code="absences")
    case = exits.decide(case, actor=people["approver"], leave=True, reason=reason, decision_reason="经理事会研究，予以出库",
                        now=at(2026, 12, 3))
    with pytest.raises(PermissionDenied):
        exits.issue_exit(case, actor=people["approver"], now=at(2026, 12, 4))
    case = exits.issue_exit(case, actor=people["staff"], now=at(2026, 12, 4))
    expert = Expert.objects.get(pk=case.expert_id)
    assert case.status == X.EXITED and expert.status == Expert.Status.EXITED
    assert case.letter_no == "粤质促出库〔2026〕1号"
    notice = case.notice
    assert (notice.kind, notice.status) == (Notice.Kind.EXIT, Notice.Status.CLOSED)
    assert "接受邀请后无故缺席活动两次或以上" in notice.text and "2026年12月4日" in notice.text
    entry = notice.entries.get()
    assert (entry.public_name, entry.public_employer) == (expert.public_name, expert.public_employer)
    assert expert.profile.id_number not in notice.text and expert.profile.phone not in notice.text
    assert not ExitTrigger.objects.filter(resolved_at__isnull=True).exists()
    assert not RoleAssignment.objects.filter(user=expert.user, body=gd, role=Role.EXPERT).exists()
    event = AuditEvent.objects.get(action="experts.exit.issue")
    assert event.data["letter_no"] == case.letter_no
    assert Notification.objects.filter(user=expert.user, kind="exit_notice").count() == 1
    # no longer drawable, history kept
    assert expert.pk not in eligible_pool(new_draw(gd, people)).pool_ids
    # the written notice renders with the number, the reason and Chinese text
    pdf = pdfium.PdfDocument(exits.letter_pdf(case))
    text = pdf[0].get_textpage().get_text_range()
    assert case.letter_no in text and "专家出库告知书" in text and expert.public_name in text
    assert expert.profile.id_number not in text


def test_exited_expert_is_not_in_the_draw_pool(gd, people):
    stay = member(gd)
    leave = member(gd)
    Expert.objects.filter(pk=leave.pk).update(status=Expert.Status.EXITED)
    pool = eligible_pool(new_draw(gd, people))
    assert stay.pk in pool.pool_ids and leave.pk not in pool.pool_ids


# ---------------------------------------------------------------------------
# voluntary exit


def test_voluntary_exit_is_requested_by_the_expert_confirmed_by_staff_then_announced(xx, people):
    e = member(xx)
    with pytest.raises(PermissionDenied):
        exits.request_voluntary_exit(e, actor=people["staff"], statement="x", now=NOW)
    with pytest.raises(ExitError):
        exits.request_voluntary_exit(e, actor=e.user, statement=" ", now=NOW)
    case = exits.request_voluntary_exit(e, actor=e.user, statement="工作调动，精力有限。", now=NOW)
    assert (case.status, case.reason.code) == (X.REQUESTED, "voluntary")
    with pytest.raises(ExitError):
        exits.request_voluntary_exit(e, actor=e.user, statement="again", now=NOW)
    with pytest.raises(PermissionDenied):
        exits.confirm_voluntary(case, actor=e.user, now=NOW)
    case = exits.confirm_voluntary(case, actor=people["staff"], now=NOW)
    case = exits.issue_exit(case, actor=people["staff"], now=NOW)
    assert case.status == X.EXITED and "本人自愿退出" in case.notice.text


def test_a_voluntary_request_can_be_withdrawn_by_the_expert_only(xx, people):
    e = member(xx)
    case = exits.request_voluntary_exit(e, actor=e.user, statement="暂时出国", now=NOW)
    with pytest.raises(PermissionDenied):
        exits.withdraw_request(case, actor=people["staff"], now=NOW)
    assert exits.withdraw_request(case, actor=e.user, now=NOW).status == X.WITHDRAWN
    assert Expert.objects.get(pk=e.pk).status == Expert.Status.ACTIVE


# ---------------------------------------------------------------------------
# the transition tables


@pytest.mark.parametrize("flow_name, starts, terminal", [
    ("EXIT_FLOW", {"proposed", "requested"}, {"exited", "kept", "withdrawn"}),
    ("RENEWAL_FLOW", {"submitted"}, {"renewed", "rejected", "withdrawn"}),
])
def test_flow_tables_reach_every_state_end_in_terminals_and_name_held_permissions(flow_name, starts, terminal):
    from experts import workflows
    from portal.roles import ROLE_PERMISSIONS
    from portal.workflows import OWNER, SYSTEM

    flow = getattr(workflows, flow_name)
    reached, frontier = set(starts), list(starts)
    while frontier:
        state = frontier.pop()
        for (a, b) in flow.transitions:
            if a == state and b not in reached:
                reached.add(b)
                frontier.append(b)
    assert reached == set(flow.states.values)
    assert not [a for (a, _b) in flow.transitions if a in terminal]
    held = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    assert {need for need in flow.transitions.values() if need not in (OWNER, SYSTEM)} <= held


def test_death_reason_has_no_invented_clause_and_the_announcement_cites_the_rules(xx, people):
    e = member(xx)
    death = ExitReason.objects.get(body=xx, code="death")
    assert death.clause == ""
    case = exits.report_violation(e, actor=people["staff"], reason=death, summary="家属告知专家已病故", now=NOW)
    exits.start_verification(case, actor=people["staff"], findings="经核实属实", now=NOW)
    ExitCase.objects.filter(pk=case.pk).update(respond_by=NOW)
    case = exits.decide(case, actor=people["approver"], leave=True, reason=death, decision_reason="聘任关系终止", now=NOW)
    case = exits.issue_exit(case, actor=people["staff"], now=NOW)
    assert case.notice.text.startswith("根据有关规定，") and "死亡或丧失民事行为能力" in case.notice.text


def test_an_expert_kept_over_the_age_limit_is_not_proposed_again(gd, people):
    e = member(gd)
    e.profile.birth_date = date(1955, 1, 1)  # an academician exempted by the approver
    e.profile.save()
    assert exits.raise_age_triggers(now=at(2026, 6, 1)) == 1
    case = ExitCase.objects.get(expert=e)
    exits.decide(case, actor=people["approver"], leave=False, decision_reason="院士，按第六条（五）豁免", now=at(2026, 6, 2))
    assert exits.raise_age_triggers(now=at(2026, 6, 3)) == 0
    assert ExitCase.objects.filter(expert=e).count() == 1


def test_leaving_the_pool_ends_an_open_renewal(xx, people):
    from experts.models import Renewal
    from experts.services import terms

    e = member(xx)
    renewal = terms.file_renewal(e, actor=e.user, now=NOW)
    case = exits.request_voluntary_exit(e, actor=e.user, statement="退休", now=NOW)
    exits.confirm_voluntary(case, actor=people["staff"], now=NOW)
    exits.issue_exit(case, actor=people["staff"], now=NOW)
    renewal.refresh_from_db()
    assert renewal.status == Renewal.Status.REJECTED and renewal.decision_reason == "专家已出库，续聘终止。"
    assert AuditEvent.objects.get(action="experts.exit.issue").data["closed_renewals"] == [renewal.pk]


# ---------------------------------------------------------------------------
# leaving the pool withdraws the expert's places in draws still to be held


def test_leaving_the_pool_withdraws_the_experts_places_in_draws_still_to_be_held(xx, people, sent):
    from experts.draws.fairness import verify_record
    from experts.draws.record import build_record
    from experts.models import Booking

    [member(xx) for _ in range(4)]
    draw = run_draw(xx, people, needed=2, day=DAY)
    place = draw.invitations.select_related("expert__user").order_by("rank").first()
    leaving = place.expert
    held = invite(make_draw(xx, start=date(2030, 2, 20), operator=people["staff"]), leaving, status=I.ACCEPTED)
    case = exits.request_voluntary_exit(leaving, actor=leaving.user, statement="退休", now=NOW)
    case = exits.issue_exit(exits.confirm_voluntary(case, actor=people["staff"], now=NOW), actor=people["staff"],
                            now=NOW)
    place.refresh_from_db()
    held.refresh_from_db()
    assert place.status == I.CANCELLED and held.status == I.ACCEPTED  # an engagement already held stays
    assert not Booking.objects.filter(invitation=place).exists()
    draw.refresh_from_db()
    cancelled = [p for p in draw.picks if p["outcome"] == "cancelled"]
    assert cancelled == [{**cancelled[0], "expert": leaving.pk, "rank": place.rank, "reason": "exited"}]
    assert draw.picks[-1]["outcome"] == "invited" and draw.picks[-1]["rank"] == 3  # replaced 1:1 from rank 3
    in_force = set(draw.invitations.filter(status__in=[I.INVITED, I.ACCEPTED]).values_list("expert_id", flat=True))
    assert len(in_force) == 2 and leaving.pk not in in_force
    record = build_record(draw, public=True)
    assert verify_record(record).ok and "退休" not in str(record["picks"])  # the public walk carries the code
    assert Notification.objects.filter(user=leaving.user, kind="draw_invitation_cancelled").count() == 1
    issued = AuditEvent.objects.get(action="experts.exit.issue")
    assert issued.data["open_invitations"] == [place.pk]


def test_staff_withdraw_an_invitation_with_a_reason_only(xx, people, sent):
    [member(xx) for _ in range(3)]
    draw = run_draw(xx, people, needed=1, day=DAY)
    inv = draw.invitations.select_related("expert__user").get()
    with pytest.raises(PermissionDenied):
        draw_services.cancel_invitation(inv, actor=inv.expert.user, reason="不想去", now=NOW)
    with pytest.raises(draw_services.DrawError):
        draw_services.cancel_invitation(inv, actor=people["staff"], reason=" ", now=NOW)
    assert draw_services.cancel_invitation(inv, actor=people["staff"], reason="检查日期调整，需重新安排",
                                           now=NOW).status == I.CANCELLED
    assert draw.invitations.filter(status=I.INVITED).count() == 1  # the replacement
