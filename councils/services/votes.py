"""Motions and votes.

    create_motion(council, *, actor, title, text="", kind="ordinary", meeting=None, secret=False, public=False,
                  candidates=(), seats_to_fill=0, role_to_fill="", target_seat=None, unit_application=None,
                  subject=None)                                   a draft
    propose_motion(council, *, actor, title, text, kind="ordinary", subject=None, meeting=None, public=False)
                                                                  for other apps (projects): on the next notified meeting
    open_motion(motion, *, actor)                                 only while the meeting is quorate; freezes roster + rule
    cast_ballot(motion, seat, *, actor, choice=None, choices=None)   one per seat; change allowed and audited
    close_motion(motion, *, actor)                                tally, result, resolution, seats; motion_closed signal
    cancel_motion(motion, *, actor, reason="")
    request_written_vote(motion, *, actor, closes_at)             needs policy.written_vote_allowed
    approve_written_vote(motion, *, actor)                        the chair; opens it, base = all seat holders
    close_due_written_votes(*, now)                               idempotent (beat)
    remind_written_votes(*, now)                                  once, 1 working day before the deadline (beat)
    publish_resolution(resolution, *, actor)

Secret ballots: the choice is never written to the audit trail or shown per seat.
"""
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import has, require

from .. import rules, selectors
from ..models import Ballot, Candidate, Council, Meeting, MemberUnit, Motion, Resolution, Seat, UnitApplication
from ..signals import motion_closed
from ..workflows import MOTION_FLOW
from . import membership
from .attendance import present_seats, quorum_status
from .common import CouncilError, active_seats, canonical_hash, chairs_of, localdate, seat_holders_of, seat_people

K = Motion.Kind
S = Motion.Status


def _lock(motion):
    return Motion.objects.select_for_update(of=("self",)).select_related("council__body__policy", "meeting").get(pk=motion.pk)


def _next_number(council):
    return (Motion.objects.filter(council=council).aggregate(m=Max("number"))["m"] or 0) + 1


def create_motion(council, *, actor, title, text="", kind=K.ORDINARY, meeting=None, secret=False, public=False,
                  candidates=(), seats_to_fill=0, role_to_fill="", target_seat=None, unit_application=None,
                  subject=None, now=None, _perm="manage_council"):
    """A draft motion. `candidates` (elections): users or MemberUnits."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, _perm, council.body)
    title = (title or "").strip()
    if not title:
        raise CouncilError(_("请填写议案名称。"))
    if kind not in K.values:
        raise CouncilError(_("请选择议案类型。"))
    if meeting is not None and (meeting.council_id != council.pk or meeting.status in (
            Meeting.Status.CLOSED, Meeting.Status.CANCELLED)):
        raise CouncilError(_("该会议不属于本会或已结束。"))
    candidates = list(candidates or [])
    if kind == K.ELECTION:
        if role_to_fill not in Seat.LEADER_ROLES:
            raise CouncilError(_("选举须指定职务（理事长、副理事长或秘书长）。"))
        if seats_to_fill < 1:
            raise CouncilError(_("应选人数至少为 1。"))
        if len(candidates) < seats_to_fill:
            raise CouncilError(_("候选人不能少于应选人数。"))
    if kind == K.RECALL:
        if target_seat is None or target_seat.council_id != council.pk or target_seat.status != Seat.Status.ACTIVE:
            raise CouncilError(_("罢免须指定本会在任的席位。"))
    if kind == K.UNIT_ADMISSION:
        if unit_application is None or unit_application.council_id != council.pk or unit_application.status not in (
                UnitApplication.Status.SUBMITTED, UnitApplication.Status.SCHEDULED):
            raise CouncilError(_("请选择待决定的入会申请。"))
    with transaction.atomic():
        council = Council.objects.select_for_update(of=("self",)).select_related("body").get(pk=council.pk)
        motion = Motion.objects.create(
            council=council, meeting=meeting, number=_next_number(council), title=title, text=text, kind=kind,
            secret=secret, public=public, seats_to_fill=seats_to_fill if kind == K.ELECTION else 0,
            role_to_fill=role_to_fill if kind == K.ELECTION else "", target_seat=target_seat,
            unit_application=unit_application,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=subject.pk if subject is not None else None)
        for c in candidates:
            if isinstance(c, MemberUnit):
                Candidate.objects.create(motion=motion, unit=c, name=c.name, role=role_to_fill)
            else:
                Candidate.objects.create(motion=motion, user=c, name=c.name, role=role_to_fill)
        if unit_application is not None:
            UnitApplication.objects.filter(pk=unit_application.pk).update(
                status=UnitApplication.Status.SCHEDULED, motion=motion)
        audit.record(actor, "council.motion.create", motion, body=council.body, now=now, data={
            "number": motion.number, "title": title, "kind": kind, "meeting": meeting.pk if meeting else None,
            "secret": secret, "public": public, "candidates": [c.name for c in candidates],
            "subject": f"{motion.subject_type_id}:{motion.subject_id}" if subject is not None else None})
    return motion


def propose_motion(council, *, actor, title, text, kind=K.ORDINARY, subject=None, meeting=None, public=False,
                   now=None):
    """A draft motion on `subject` (e.g. a project), put on the next notified meeting when there
    is one, else left unattached for the secretariat to schedule."""
    now = now or timezone.now()
    perm = "manage_council"
    if actor is not None and not has(actor, perm, council.body):
        perm = "manage_projects"
    if meeting is None:
        meeting = (Meeting.objects.filter(council=council, status=Meeting.Status.NOTIFIED, starts_at__gt=now)
                   .order_by("starts_at").first())
    return create_motion(council, actor=actor, title=title, text=text, kind=kind, meeting=meeting, public=public,
                         subject=subject, now=now, _perm=perm)


def _freeze(motion, *, rule, seats, members, present, now):
    motion.rule = rule
    motion.roster = [{"seat": s.pk, "role": s.role, "name": s.occupant_name, "voters": s.voter_ids()}
                     for s in seats]
    motion.members_count = members
    motion.present_count = present
    motion.roster_hash = canonical_hash({"rule": rule, "roster": motion.roster, "members": members,
                                         "present": present})
    motion.status = S.OPEN
    motion.opened_at = now


def open_motion(motion, *, actor, now=None):
    """Open a vote at a meeting in progress — only while it is quorate. The roster (the seats
    present now, with who may vote for each) and the rule are frozen into the motion."""
    now = now or timezone.now()
    with transaction.atomic():
        motion = _lock(motion)
        MOTION_FLOW.check(motion, to=S.OPEN, actor=actor)
        meeting = motion.meeting
        if meeting is None:
            raise CouncilError(_("未安排在会议上的议案须通过书面表决。"))
        meeting = Meeting.objects.select_for_update(of=("self",)).select_related("council__body__policy").get(pk=meeting.pk)
        if meeting.status != Meeting.Status.IN_PROGRESS:
            raise CouncilError(_("会议开始后才能表决。"))
        present = present_seats(meeting, now)
        verdict = quorum_status(meeting, now, present=present)
        if not verdict.ok:
            raise CouncilError(_("未达到法定人数，不能开始表决：%(summary)s") % {"summary": verdict.summary()})
        snapshot = meeting.policy_snapshot or rules.policy_snapshot(meeting.council.body.policy)
        rule = {**rules.motion_rule(snapshot, motion.kind), "quorum": verdict.as_dict()}
        seats = list(Seat.objects.filter(pk__in=present.keys()).select_related("unit", "holder").order_by("pk"))
        _freeze(motion, rule=rule, seats=seats, members=verdict.members, present=len(seats), now=now)
        motion.save(update_fields=["rule", "roster", "members_count", "present_count", "roster_hash", "status",
                                   "opened_at"])
        audit.record(actor, "council.motion.open", motion, body=motion.council.body, now=now, data={
            "rule": rule, "members": verdict.members, "present": len(seats), "roster_hash": motion.roster_hash,
            "roster": [r["seat"] for r in motion.roster]})
    return motion


# ---------------------------------------------------------------------------
# written votes


def request_written_vote(motion, *, actor, closes_at, now=None):
    """Ask the chair to approve a written/online vote on a draft motion, with a deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        motion = _lock(motion)
        MOTION_FLOW.check(motion, to=S.PENDING_CHAIR, actor=actor)
        if not motion.council.body.policy.written_vote_allowed:
            raise CouncilError(_("本机构规则不允许书面/网络表决。"))
        if closes_at is None or closes_at <= now:
            raise CouncilError(_("截止时间须晚于现在。"))
        if motion.kind == K.ELECTION:
            raise CouncilError(_("选举须在会议上进行。"))
        motion.written = True
        motion.meeting = None
        motion.closes_at = closes_at
        motion.status = S.PENDING_CHAIR
        motion.save(update_fields=["written", "meeting", "closes_at", "status"])
        audit.record(actor, "council.motion.request_written", motion, body=motion.council.body, now=now,
                     data={"closes_at": closes_at})
        notify.later(chairs_of(motion.council), "council_written_vote_request", motion, body=motion.council.body,
                     subject=notify.fmt(gettext_lazy("书面表决待批准：%(title)s"), title=motion.title))
    return motion


def approve_written_vote(motion, *, actor, now=None):
    """The chair approves: the vote opens for every seat holder; the base is all of them."""
    now = now or timezone.now()
    with transaction.atomic():
        motion = _lock(motion)
        MOTION_FLOW.check(motion, to=S.OPEN, actor=actor)
        if not motion.written:
            raise CouncilError(_("这不是书面表决。"))
        if motion.closes_at <= now:
            raise CouncilError(_("截止时间已过，请重新设定。"))
        policy = motion.council.body.policy
        seats = list(active_seats(motion.council).select_related("unit", "holder").order_by("pk"))
        rule = rules.motion_rule(rules.policy_snapshot(policy), motion.kind, written=True)
        _freeze(motion, rule=rule, seats=seats, members=len(seats), present=len(seats), now=now)
        motion.chair_approved_by = actor if getattr(actor, "is_authenticated", False) else None
        motion.save(update_fields=["rule", "roster", "members_count", "present_count", "roster_hash", "status",
                                   "opened_at", "chair_approved_by"])
        audit.record(actor, "council.motion.approve_written", motion, body=motion.council.body, now=now, data={
            "rule": rule, "members": len(seats), "roster_hash": motion.roster_hash, "closes_at": motion.closes_at})
        notify.later(seat_people(seats), "council_written_vote_opened", motion, body=motion.council.body,
                     subject=notify.fmt(gettext_lazy("书面表决：%(title)s"), title=motion.title), closes=motion.closes_at)
    return motion


# ---------------------------------------------------------------------------
# ballots


def _share_lock(motion_pk):
    """Lock the motion FOR SHARE: ballots are cast concurrently, closing (FOR UPDATE) waits.
    SQLite (`make run` on a laptop) has no row locks: it serialises writers anyway."""
    if connection.vendor != "postgresql":
        return Motion.objects.get(pk=motion_pk)
    return list(Motion.objects.raw(
        "SELECT * FROM councils_motion WHERE id = %s FOR SHARE", [motion_pk]))[0]


def _clean_choices(motion, choice, choices):
    if motion.kind == K.ELECTION:
        valid = {str(pk) for pk in motion.candidates.values_list("pk", flat=True)}
        choices = {str(k): v for k, v in (choices or {}).items()}
        if set(choices) != valid or any(v not in Ballot.Choice.values for v in choices.values()):
            raise CouncilError(_("请对每位候选人选择同意、反对或弃权。"))
        if sum(1 for v in choices.values() if v == "yes") > motion.seats_to_fill:
            raise CouncilError(_("同意的候选人不能多于应选人数（%(n)d）。") % {"n": motion.seats_to_fill})
        return "", choices
    if choice not in Ballot.Choice.values:
        raise CouncilError(_("请选择同意、反对或弃权。"))
    return choice, {}


def cast_ballot(motion, seat, *, actor, choice=None, choices=None, now=None):
    """Vote for `seat` on an open motion. The actor must be allowed for the seat by the frozen
    roster (the holder; for a unit its representative or substitute — whoever voted first
    keeps the ballot). Changing a ballot before the close is allowed and audited."""
    now = now or timezone.now()
    with transaction.atomic():
        motion = _share_lock(motion.pk)
        if motion.status != S.OPEN:
            raise CouncilError(_("表决未在进行。"))
        if motion.closes_at is not None and now >= motion.closes_at:
            raise CouncilError(_("表决已过截止时间。"))
        entry = next((r for r in motion.roster if r["seat"] == seat.pk), None)
        if entry is None:
            raise CouncilError(_("该席位不在本次表决名册中（表决开始时未出席）。"))
        if getattr(actor, "pk", None) not in entry["voters"]:
            raise PermissionDenied(_("您不能代表该席位投票。"))
        choice, choices = _clean_choices(motion, choice, choices)
        council = Council.objects.select_related("body").get(pk=motion.council_id)
        ballot = Ballot.objects.select_for_update(of=("self",)).filter(motion=motion, seat_id=seat.pk).first()
        data = {"motion": motion.pk, "seat": seat.pk}
        if ballot is not None:
            if ballot.cast_by_id != actor.pk:
                raise CouncilError(_("本席位已由另一位代表投票，代表与替补代表不能都投票。"))
            before = (ballot.choice, ballot.choices)
            ballot.choice, ballot.choices = choice, choices
            ballot.changed_at = now
            ballot.changes += 1
            ballot.save(update_fields=["choice", "choices", "changed_at", "changes"])
            if not motion.secret:
                data.update(before=before[0] or before[1], after=choice or choices)
            audit.record(actor, "council.ballot.change", motion, body=council.body, now=now,
                         data={**data, "changes": ballot.changes})
            return ballot
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(motion=motion, seat_id=seat.pk, cast_by=actor, choice=choice,
                                               choices=choices, cast_at=now)
        except IntegrityError:
            raise CouncilError(_("本席位已投票。")) from None
        if not motion.secret:
            data["choice"] = choice or choices
        audit.record(actor, "council.ballot.cast", motion, body=council.body, now=now, data=data)
    return ballot


# ---------------------------------------------------------------------------
# closing


def _election_result(motion, counts, base):
    """Candidates reaching the rule, best first; ties across the last place are not elected."""
    rule = motion.rule
    rows = []
    for c in motion.candidates.all().order_by("pk"):
        yes = counts["candidates"].get(str(c.pk), {}).get("yes", 0)
        verdict = rules.vote(rule, base, yes)
        rows.append({"candidate": c.pk, "name": c.name, "yes": yes,
                     "no": counts["candidates"].get(str(c.pk), {}).get("no", 0),
                     "abstain": counts["candidates"].get(str(c.pk), {}).get("abstain", 0),
                     "ok": verdict.ok, "needed": verdict.needed, "elected": False})
    qualified = sorted((r for r in rows if r["ok"]), key=lambda r: -r["yes"])
    n = motion.seats_to_fill
    if len(qualified) > n and qualified[n - 1]["yes"] == qualified[n]["yes"]:
        cutoff = qualified[n - 1]["yes"]
        winners = [r for r in qualified[:n] if r["yes"] > cutoff]
    else:
        winners = qualified[:n]
    for r in winners:
        r["elected"] = True
    return rows


def _step_down_chair(council, now):
    """A newly elected chair replaces the sitting one, who keeps a member's seat."""
    sitting = active_seats(council).filter(role=Seat.Role.CHAIR).first()
    if sitting is None:
        return
    membership.end_seat(sitting, actor=None, reason=_("理事长换届"), now=now)
    membership.appoint_seat(council, actor=None, role=Seat.Role.MEMBER, holder=sitting.holder, unit=sitting.unit,
                            representative=sitting.representative, substitute=sitting.substitute, now=now)


def _fill_elected(motion, rows, now):
    """Give each elected candidate the seat; their previous seat in the council ends."""
    problems = []
    candidates = {c.pk: c for c in motion.candidates.select_related("user", "unit")}
    for r in rows:
        if not r["elected"]:
            continue
        c = candidates[r["candidate"]]
        old = (active_seats(motion.council).filter(unit=c.unit).first() if c.unit_id
               else active_seats(motion.council).filter(holder=c.user).first())
        try:
            with transaction.atomic():
                if old is not None:
                    membership.end_seat(old, actor=None, reason=_("当选%(role)s") % {
                        "role": Seat.Role(motion.role_to_fill).label}, now=now)
                if motion.role_to_fill == Seat.Role.CHAIR:
                    _step_down_chair(motion.council, now)
                if c.unit_id:
                    if old is None:
                        raise CouncilError(_("%(unit)s 没有在任席位，无法确定代表。") % {"unit": c.unit})
                    membership.appoint_seat(motion.council, actor=None, role=motion.role_to_fill, unit=c.unit,
                                            representative=old.representative, substitute=old.substitute,
                                            elected_by=motion, now=now)
                else:
                    membership.appoint_seat(motion.council, actor=None, role=motion.role_to_fill, holder=c.user,
                                            elected_by=motion, now=now)
        except CouncilError as exc:
            problems.append({"candidate": c.pk, "error": " ".join(exc.messages)})
    return problems


def _next_resolution(council, motion, now):
    year = localdate(now).year
    seq = (Resolution.objects.filter(council=council, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
    prefix = council.number_prefix or _("决议")
    return Resolution.objects.create(
        council=council, motion=motion, year=year, seq=seq, number=f"{prefix}〔{year}〕{seq}号", title=motion.title,
        text=motion.text, public=motion.public, published_at=now if motion.public else None)


def close_motion(motion, *, actor, now=None):
    """Count the ballots against the frozen rule and base, record the result in the audit chain
    and act on it: a resolution for a passed motion, seats for an election, the end of a seat
    for a recall, a new member unit for an admission."""
    now = now or timezone.now()
    with transaction.atomic():
        motion = _lock(motion)
        MOTION_FLOW.check(motion, to=S.CLOSED, actor=actor)
        counts = selectors.tally_counts(motion)
        if motion.written and actor is not None and now < motion.closes_at and counts["cast"] < len(motion.roster):
            raise CouncilError(_("书面表决在截止时间前且仍有人未投票，不能提前结束。"))
        base = rules.vote_base(motion.rule, motion.members_count, motion.present_count)
        tally = {**{k: counts[k] for k in ("yes", "no", "abstain", "cast")}, "base": base,
                 "base_kind": motion.rule["base"], "members": motion.members_count, "present": motion.present_count,
                 "not_voted": len(motion.roster) - counts["cast"]}
        passed = False
        if motion.kind == K.ELECTION:
            rows = _election_result(motion, counts, base)
            tally["candidates"] = rows
            passed = any(r["elected"] for r in rows)
            tally["summary"] = "；".join(
                f"{r['name']} {r['yes']}/{base}" + (_("（当选）") if r["elected"] else "") for r in rows)
        else:
            verdict = rules.vote(motion.rule, base, counts["yes"])
            passed = verdict.ok
            tally.update(needed=verdict.needed, summary=verdict.summary())
        motion.status = S.CLOSED
        motion.closed_at = now
        motion.result = Motion.Result.PASSED if passed else Motion.Result.FAILED
        motion.tally = tally
        motion.save(update_fields=["status", "closed_at", "result", "tally"])
        resolution = None
        if motion.kind == K.ELECTION:
            problems = _fill_elected(motion, tally["candidates"], now)
            if problems:
                tally["problems"] = problems
                motion.save(update_fields=["tally"])
        elif passed and motion.kind == K.RECALL and motion.target_seat_id:
            target = Seat.objects.get(pk=motion.target_seat_id)
            if target.status == Seat.Status.ACTIVE:
                membership.end_seat(target, actor=None, reason=_("罢免"), now=now)
        elif motion.kind == K.UNIT_ADMISSION and motion.unit_application_id:
            application = UnitApplication.objects.get(pk=motion.unit_application_id)
            if passed:
                membership.admit_unit(motion.council, actor=None, name=application.unit_name,
                                      credit_code=application.credit_code, contact_name=application.contact_name,
                                      contact_phone=application.contact_phone, motion=motion,
                                      application=application, now=now)
            else:
                UnitApplication.objects.filter(pk=application.pk).update(status=UnitApplication.Status.REJECTED)
        if passed and motion.kind != K.ELECTION:
            resolution = _next_resolution(motion.council, motion, now)
        audit.record(actor, "council.motion.close", motion, body=motion.council.body, now=now, data={
            "result": motion.result, "tally": tally, "rule": motion.rule, "roster_hash": motion.roster_hash,
            "resolution": resolution.number if resolution else None})
        # every seat holder hears the result, of a written vote and of a meeting vote alike
        # (notify.later is set-based: a constant number of queries for any council size)
        notify.later(seat_holders_of(motion.council), "council_motion_result", motion, body=motion.council.body,
                     subject=notify.fmt(gettext_lazy("表决结果：%(title)s（%(result)s）"), title=motion.title,
                                        result=motion.get_result_display),
                     summary=tally["summary"])
        transaction.on_commit(lambda m=motion, p=passed: motion_closed.send(sender=Motion, motion=m, passed=p))
    return motion


def cancel_motion(motion, *, actor, reason="", now=None):
    with transaction.atomic():
        motion = _lock(motion)
        MOTION_FLOW.check(motion, to=S.CANCELLED, actor=actor)
        motion.status = S.CANCELLED
        motion.save(update_fields=["status"])
        if motion.unit_application_id:
            UnitApplication.objects.filter(pk=motion.unit_application_id).update(
                status=UnitApplication.Status.SUBMITTED, motion=None)
        audit.record(actor, "council.motion.cancel", motion, body=motion.council.body, now=now,
                     data={"reason": reason})
    return motion


def publish_resolution(resolution, *, actor, now=None):
    """Publish a resolution in the public register."""
    now = now or timezone.now()
    with transaction.atomic():
        resolution = Resolution.objects.select_for_update(of=("self",)).select_related("council__body").get(pk=resolution.pk)
        if actor is not None:
            require(actor, "manage_council", resolution.council.body)
        if resolution.public:
            raise CouncilError(_("该决议已公开。"))
        resolution.public = True
        resolution.published_at = now
        resolution.save(update_fields=["public", "published_at"])
        audit.record(actor, "council.resolution.publish", resolution, body=resolution.council.body, now=now,
                     data={"number": resolution.number})
    return resolution


# ---------------------------------------------------------------------------
# beat services


def close_due_written_votes(*, now=None):
    """Close written votes whose deadline passed. Idempotent: a closed motion is not due."""
    now = now or timezone.now()
    closed = 0
    while True:
        with transaction.atomic():
            motion = (Motion.objects.select_for_update(skip_locked=True, of=("self",))
                      .filter(written=True, status=S.OPEN, closes_at__lte=now).order_by("closes_at", "pk").first())
            if motion is None:
                return closed
            close_motion(motion, actor=None, now=now)
            closed += 1


def remind_written_votes(*, now=None):
    """Remind voters who have not voted, once, from the working day before the deadline day."""
    now = now or timezone.now()
    today = localdate(now)
    sent = 0
    due = Motion.objects.filter(written=True, status=S.OPEN, reminded_at__isnull=True, closes_at__gt=now)
    for motion_pk, closes_at in due.values_list("pk", "closes_at"):
        # the deadline day is the day before a 00:00 deadline, else its own date
        last = timezone.localtime(closes_at)
        last_day = last.date() - timedelta(days=1) if last.time() == last.time().min else last.date()
        if workdays.workdays_between(today, last_day) > 1:
            continue
        with transaction.atomic():
            motion = (Motion.objects.select_for_update(skip_locked=True, of=("self",)).select_related("council__body")
                      .filter(pk=motion_pk, reminded_at__isnull=True).first())
            if motion is None:
                continue
            voted = set(motion.ballots.values_list("seat_id", flat=True))
            seats = Seat.objects.filter(pk__in=[r["seat"] for r in motion.roster]).exclude(pk__in=voted)
            people = seat_people(seats)
            notify.later(people, "council_written_vote_reminder", motion, body=motion.council.body,
                         subject=notify.fmt(gettext_lazy("书面表决即将截止：%(title)s"),
                                            title=motion.title), closes=motion.closes_at,
                         dedupe_key=f"written-reminder-{motion.pk}")
            motion.reminded_at = now
            motion.save(update_fields=["reminded_at"])
            audit.record(None, "council.motion.remind", motion, body=motion.council.body, now=now,
                         data={"reminded": len(people)})
            sent += len(people)
    return sent
