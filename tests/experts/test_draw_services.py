"""Draw services: request, commitment, the walk (1:1), replies and their deadline,
replacements, expiry, exhaustion, per-field needs, designation."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from experts.draws.fairness import pool_hash, secret_hash, verify_record
from experts.draws.record import build_record, frozen_exclusions
from experts.models import Booking, Draw, ExitTrigger, Expert, Invitation
from experts.services import draws as svc
from portal.models import AuditEvent, Notification
from tests.experts.test_draw_pool import (  # noqa: F401 (fixtures)
    DAY, NOW, field, gd, make_expert, new_draw, people, run_draw, sent, xx)
from tests.factories import UserFactory

S, I = Draw.Status, Invitation.Status
# the pool query is PostgreSQL SQL (arrays, regexp_replace, jsonb); `make test` runs on PostgreSQL


def ranks(draw):
    return list(draw.invitations.order_by("rank").values_list("rank", "expert_id", "status"))


def ok(draw):
    draw = Draw.objects.get(pk=draw.pk)
    result = verify_record(build_record(draw))
    assert result.ok, result.problem
    return result.selected_ids


# --- the request -----------------------------------------------------------------


def test_create_draw_numbers_it_and_copies_the_policy(xx, people):
    draw = new_draw(xx, people)
    assert draw.number == "新工信专抽〔2030〕1号"
    assert new_draw(xx, people).number == "新工信专抽〔2030〕2号"
    assert draw.status == S.DRAFT and draw.operator == people["staff"]
    assert draw.reply_hours == 24
    assert draw.policy_snapshot["rotation_consecutive_draws"] == 2
    assert AuditEvent.objects.filter(action="experts.draw.create", target_id=str(draw.pk)).count() == 1


def test_create_draw_refuses_bad_input_per_field_and_creates_nothing(xx, people):
    with pytest.raises(svc.DrawError) as exc:
        new_draw(xx, people, needed=2, end=DAY - timedelta(days=1), needs_by_field={"policy-law": 1},
                 supervisor=people["staff"], title=" ")
    assert set(exc.value.message_dict) == {"engagement_end", "needs_by_field", "supervisor", "title"}
    assert "合计 1" in exc.value.message_dict["needs_by_field"][0]
    assert not Draw.objects.exists()


def test_create_draw_needs_manage_experts(xx, people):
    with pytest.raises(PermissionDenied):
        svc.create_draw(xx, actor=people["supervisor"], data={}, now=NOW)


def test_update_draft_changes_and_audits_and_is_refused_after_freeze(xx, people):
    make_expert(xx)
    draw = new_draw(xx, people)
    svc.update_draft(draw, actor=people["staff"], data={"needed": 1, "place": "线上"}, now=NOW)
    draw.refresh_from_db()
    assert (draw.needed, draw.place) == (1, "线上")
    event = AuditEvent.objects.get(action="experts.draw.update")
    assert event.data["before"] == {"needed": 2, "place": "新县工信局 3 楼会议室"}
    svc.freeze_pool(draw, actor=people["staff"], now=NOW)
    with pytest.raises(svc.DrawError):
        svc.update_draft(draw, actor=people["staff"], data={"needed": 3}, now=NOW)


def test_cancel_needs_a_reason(xx, people):
    draw = new_draw(xx, people)
    with pytest.raises(svc.DrawError):
        svc.cancel_draw(draw, actor=people["staff"], reason=" ")
    assert svc.cancel_draw(draw, actor=people["staff"], reason="检查计划调整").status == S.CANCELLED


# --- the commitment ----------------------------------------------------------------


def test_freeze_stores_the_commitment_and_hides_the_secret(xx, people):
    experts = [make_expert(xx) for _ in range(3)]
    draw = svc.freeze_pool(new_draw(xx, people, excluded=experts[:1]), actor=people["staff"], now=NOW)
    assert draw.status == S.COMMITTED and draw.warning == ""
    assert draw.pool == [experts[1].pk, experts[2].pk]
    # record version 3: the exclusions grouped by reason code, and the members considered
    assert draw.policy_snapshot["draw_algorithm"] == "quorum-draw-v3" and draw.pool_members == 3
    assert frozen_exclusions(draw) == {"written_request": [experts[0].pk]}
    assert draw.exclusions == {"written_request": str(experts[0].pk)}  # stored as one string per reason
    conditions = draw.policy_snapshot["draw_conditions"]
    assert conditions["invite"] == 2 and conditions["rotation"] == 2
    assert draw.pool_hash == pool_hash(draw.pk, "xx-random", draw.pool, frozen_exclusions(draw), conditions,
                                       "quorum-draw-v3", 3)
    assert draw.secret_hash == secret_hash(draw.secret)
    record = build_record(draw, public=True)
    assert record["secret"] == "" and record["seed"] == "" and record["secret_hash"] == draw.secret_hash
    assert Notification.objects.filter(user=people["supervisor"], kind="draw_committed").count() == 1


def test_freeze_warns_when_fewer_are_eligible_than_needed(xx, people):
    make_expert(xx)
    draw = svc.freeze_pool(new_draw(xx, people, needed=2), actor=people["staff"], now=NOW)
    assert "只有 1 人" in draw.warning


def test_freeze_refuses_an_empty_pool(xx, people):
    e = make_expert(xx)
    draw = new_draw(xx, people, excluded=[e])
    with pytest.raises(svc.DrawError, match="没有符合条件的专家"):
        svc.freeze_pool(draw, actor=people["staff"], now=NOW)
    assert Draw.objects.get(pk=draw.pk).status == S.DRAFT


# --- the draw ----------------------------------------------------------------------


def test_only_the_named_supervisor_enters_the_entropy(xx, people):
    make_expert(xx)
    draw = svc.freeze_pool(new_draw(xx, people, needed=1), actor=people["staff"], now=NOW)
    with pytest.raises(PermissionDenied):
        svc.enter_entropy(draw, actor=people["staff"], value="1", source="x", now=NOW)
    other = UserFactory()
    from portal.models import Role
    from tests.factories import grant
    grant(other, xx, Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        svc.enter_entropy(draw, actor=other, value="1", source="x", now=NOW)
    with pytest.raises(svc.DrawError) as exc:
        svc.enter_entropy(draw, actor=people["supervisor"], value=" ", source="", now=NOW)
    assert set(exc.value.message_dict) == {"value", "source"}


def test_draw_invites_exactly_the_number_needed_in_rank_order(xx, people, sent, django_capture_on_commit_callbacks):
    [make_expert(xx) for _ in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        draw = run_draw(xx, people, needed=3)
    assert draw.status == S.INVITING
    assert [(r, s) for r, _e, s in ranks(draw)] == [(1, I.INVITED), (2, I.INVITED), (3, I.INVITED)]
    inv = draw.invitations.order_by("rank").first()
    assert inv.reply_by == NOW + timedelta(minutes=5) + timedelta(hours=24)
    assert Booking.objects.filter(invitation__draw=draw, day=DAY).count() == 3
    assert sent == [sorted(draw.invitations.values_list("pk", flat=True))]
    assert ok(draw) == [e for _r, e, _s in ranks(draw)]
    assert build_record(draw)["secret"] == draw.secret


def test_exactly_enough_eligible_experts_all_accept_and_complete(xx, people, sent):
    experts = [make_expert(xx) for _ in range(2)]
    draw = run_draw(xx, people, needed=2)
    assert sorted(e for _r, e, _s in ranks(draw)) == [e.pk for e in experts]
    for inv in draw.invitations.select_related("expert__user"):
        svc.reply(inv, actor=inv.expert.user, answer="accept", now=NOW + timedelta(hours=1))
    draw.refresh_from_db()
    assert draw.status == S.COMPLETE and draw.completed_at == NOW + timedelta(hours=1)
    assert Notification.objects.filter(kind="draw_complete", user=people["supervisor"]).count() == 1
    ok(draw)


def test_one_fewer_than_needed_exhausts_and_alerts_staff_and_supervisor(xx, people, sent):
    make_expert(xx)
    draw = run_draw(xx, people, needed=2)
    assert draw.status == S.EXHAUSTED
    assert draw.invitations.count() == 1
    alerted = set(Notification.objects.filter(kind="draw_exhausted").values_list("user_id", flat=True))
    assert alerted == {people["staff"].pk, people["supervisor"].pk}
    ok(draw)


def test_decline_needs_a_reason_and_is_replaced_from_the_next_rank(xx, people, sent):
    [make_expert(xx) for _ in range(4)]
    draw = run_draw(xx, people, needed=2)
    first = draw.invitations.select_related("expert__user").get(rank=1)
    with pytest.raises(svc.ReplyError) as exc:
        svc.reply(first, actor=first.expert.user, answer="decline", reason="", now=NOW)
    assert "reason" in exc.value.message_dict
    svc.reply(first, actor=first.expert.user, answer="decline", reason="当天出差", via="link", now=NOW)
    assert [(r, s) for r, _e, s in ranks(draw)] == [(1, I.DECLINED), (2, I.INVITED), (3, I.INVITED)]
    assert not Booking.objects.filter(invitation=first).exists()
    draw.refresh_from_db()
    assert [p["outcome"] for p in draw.picks] == ["invited", "invited", "declined", "invited"]
    assert ok(draw) == [e for r, e, _s in ranks(draw) if r in (2, 3)]


def test_someone_else_cannot_answer(xx, people, sent):
    make_expert(xx)
    inv = run_draw(xx, people, needed=1).invitations.get()
    with pytest.raises(PermissionDenied):
        svc.reply(inv, actor=people["staff"], answer="accept", now=NOW)


def test_reply_at_the_deadline_second_counts_one_second_later_is_refused(xx, people, sent):
    make_expert(xx), make_expert(xx)
    draw = run_draw(xx, people, needed=2)
    on_time, late = draw.invitations.select_related("expert__user").order_by("rank")
    svc.reply(on_time, actor=on_time.expert.user, answer="accept", now=on_time.reply_by)
    assert Invitation.objects.get(pk=on_time.pk).status == I.ACCEPTED
    with pytest.raises(svc.ReplyError, match="2030年3月2日 10:05"):
        svc.reply(late, actor=late.expert.user, answer="accept", now=late.reply_by + timedelta(seconds=1))
    assert Invitation.objects.get(pk=late.pk).status == I.INVITED


def test_conflict_after_accepting_reopens_a_complete_panel(xx, people, sent):
    [make_expert(xx) for _ in range(2)]
    draw = run_draw(xx, people, needed=1)
    inv = draw.invitations.select_related("expert__user").get()
    svc.reply(inv, actor=inv.expert.user, answer="accept", now=NOW)
    assert Draw.objects.get(pk=draw.pk).status == S.COMPLETE
    svc.reply(inv, actor=inv.expert.user, answer="conflict", reason="其配偶新近入职被检查单位", now=NOW)
    draw.refresh_from_db()
    assert draw.status == S.INVITING and draw.completed_at is None
    assert [(r, s) for r, _e, s in ranks(draw)] == [(1, I.CONFLICT), (2, I.INVITED)]
    ok(draw)


def test_expiry_run_twice_or_late_replaces_each_expert_once(xx, people, sent):
    [make_expert(xx) for _ in range(5)]
    draw = run_draw(xx, people, needed=2)
    due = draw.invitations.first().reply_by
    assert svc.expire_due_invitations(now=due) == 0  # at the deadline second it is still open
    assert svc.expire_due_invitations(now=due + timedelta(days=3)) == 2
    assert svc.expire_due_invitations(now=due + timedelta(days=3)) == 0
    assert [(r, s) for r, _e, s in ranks(draw)] == [
        (1, I.EXPIRED), (2, I.EXPIRED), (3, I.INVITED), (4, I.INVITED)]
    assert set(Expert.objects.filter(invitations__status=I.EXPIRED).values_list("unanswered_streak", flat=True)) == {1}
    ok(draw)


def test_replacements_that_expire_are_replaced_in_turn_until_exhausted(xx, people, sent):
    [make_expert(xx) for _ in range(3)]
    draw = run_draw(xx, people, needed=2)
    later = NOW + timedelta(days=2)
    svc.expire_due_invitations(now=later)
    svc.expire_due_invitations(now=later + timedelta(days=2))
    draw.refresh_from_db()
    assert draw.status == S.EXHAUSTED
    assert draw.invitations.filter(status=I.EXPIRED).count() == 3
    ok(draw)


def test_three_unanswered_in_a_row_raise_one_exit_trigger_and_a_reply_resets(xx, people, sent):
    xx.policy.rotation_consecutive_draws = 0  # the same single expert is drawn every time
    xx.policy.save()
    e = make_expert(xx)
    for n in range(4):
        draw = run_draw(xx, people, needed=1, day=DAY + timedelta(days=10 * n), now=NOW + timedelta(days=3 * n))
        svc.expire_due_invitations(now=NOW + timedelta(days=3 * n + 2))
    e.refresh_from_db()
    assert e.unanswered_streak == 4
    trigger = ExitTrigger.objects.get(expert=e)
    assert trigger.kind == ExitTrigger.Kind.UNANSWERED and trigger.evidence["count"] == 3
    draw = run_draw(xx, people, needed=1, day=DAY + timedelta(days=60), now=NOW + timedelta(days=20))
    inv = draw.invitations.get()
    svc.reply(inv, actor=e.user, answer="decline", reason="身体原因", now=NOW + timedelta(days=20))
    e.refresh_from_db()
    assert e.unanswered_streak == 0


def test_needs_by_field_are_honoured(xx, people, sent):
    law, fin = field(xx, "policy-law"), field(xx, "finance-audit")
    for _ in range(3):
        make_expert(xx, fields=[law])
    make_expert(xx, fields=[fin])
    draw = run_draw(xx, people, needed=2, fields=[law, fin], needs_by_field={"policy-law": 1, "finance-audit": 1})
    codes = sorted(draw.invitations.values_list("field_code", flat=True))
    assert codes == ["finance-audit", "policy-law"]
    skipped = [p for p in draw.picks if p["outcome"] == "skipped"]
    assert all(p["reason"] == "field_full" for p in skipped)
    ok(draw)


# --- designation ---------------------------------------------------------------------


def test_designation_needs_a_reason_and_an_approver(xx, people, sent):
    a, b = make_expert(xx), make_expert(xx)
    data = {"purpose": "review", "title": "民爆企业专项评审", "reviewed_unit": UNIT_X, "place": "新县",
            "engagement_start": DAY, "supervisor": people["supervisor"]}
    with pytest.raises(svc.DrawError) as exc:
        svc.request_designation(xx, actor=people["staff"], data=data, experts=[a, b], reason="", now=NOW)
    assert "reason" in exc.value.message_dict
    draw = svc.request_designation(xx, actor=people["staff"], data=data, experts=[a, b],
                                   reason="民爆专业全县仅两名专家", now=NOW)
    assert (draw.status, draw.mode, draw.needed, draw.pool) == (S.PENDING_APPROVAL, "designated", 2, [a.pk, b.pk])
    told = set(Notification.objects.filter(kind="designation_requested").values_list("user_id", flat=True))
    assert told == {people["approver"].pk, people["supervisor"].pk}
    with pytest.raises(PermissionDenied):
        svc.decide_designation(draw, actor=people["staff"], approve=True, now=NOW)
    with pytest.raises(svc.DrawError):
        svc.decide_designation(draw, actor=people["approver"], approve=False, note="", now=NOW)
    draw = svc.decide_designation(draw, actor=people["approver"], approve=True, note="同意", now=NOW)
    assert draw.status == S.INVITING and draw.designation_decided_by == people["approver"]
    assert sorted(draw.invitations.values_list("expert_id", "rank")) == [(a.pk, None), (b.pk, None)]
    assert Notification.objects.filter(kind="designation_approved", user=people["supervisor"]).exists()


def test_rejected_designation_invites_nobody(xx, people, sent):
    a = make_expert(xx)
    data = {"purpose": "review", "title": "评审", "reviewed_unit": UNIT_X, "place": "新县",
            "engagement_start": DAY, "supervisor": people["supervisor"]}
    draw = svc.request_designation(xx, actor=people["staff"], data=data, experts=[a], reason="专业特殊", now=NOW)
    draw = svc.decide_designation(draw, actor=people["approver"], approve=False, note="应随机抽取", now=NOW)
    assert draw.status == S.REJECTED and not draw.invitations.exists()


def test_the_beat_task_calls_the_expiry_service(xx, people, sent, monkeypatch):
    from experts import tasks

    seen = []
    monkeypatch.setattr(svc, "expire_due_invitations", lambda now: seen.append(now) or 0)
    assert tasks.expire_invitations.apply().get() == 0
    assert len(seen) == 1


UNIT_X = "新县红星民爆器材有限公司"
