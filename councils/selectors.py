"""Read queries of councils, each a constant number of SQL queries.

    councils_for(user)                     councils of bodies where the user is staff or holds a seat
    council_seats(council)                 active seats with occupants (one query)
    council_units(council, status="active")
    council_meetings(council)              meetings, newest first (a queryset to paginate)
    meeting_detail(meeting, *, at=None)    meeting, agenda, seats, present seat ids, quorum verdict, motions
    attendance_rows(meeting)               every presence interval with seat and attendee
    tally_counts(motion)                   {"yes","no","abstain","cast","candidates"} (one aggregate query)
    tally(motion)                          counts + base + needed + live verdict (two queries)
    motion_detail(motion, user=None)       motion + tally + the user's seat/ballot
    my_ballot(motion, seat)
    open_written_votes(user)               written votes the user may still vote on
    public_resolutions(council=None)       the public register (a queryset to paginate)
    petition_rows(council)                 petitions with "k of n, needs m"
    absent_units(council, today=None)      units that attended no meeting within policy.member_absence_exit_years
    leaders_status(council)                rules.Verdict of "leaders ≤ 1/3 of member units" (None without units)
    roster_intact(motion)                  the frozen roster and rule still match the hash taken at opening
"""
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from portal.permissions import bodies_for

from . import rules
from .models import AgendaItem, Attendance, Ballot, Council, Meeting, MemberUnit, Motion, Petition, Resolution, Seat

SEAT_RELATED = ("holder", "unit", "representative", "substitute")


def councils_for(user):
    if not getattr(user, "is_authenticated", False):
        return Council.objects.none()
    staff_bodies = bodies_for(user, "manage_council")
    return (Council.objects.filter(
        Q(body__in=staff_bodies)
        | Q(seats__status=Seat.Status.ACTIVE, seats__holder=user)
        | Q(seats__status=Seat.Status.ACTIVE, seats__representative=user)
        | Q(seats__status=Seat.Status.ACTIVE, seats__substitute=user))
        .distinct().select_related("body").order_by("body__order", "pk"))


def role_order():
    return {r: i for i, r in enumerate(Seat.Role.values)}


def council_seats(council, *, include_ended=False):
    qs = Seat.objects.filter(council=council).select_related(*SEAT_RELATED)
    if not include_ended:
        qs = qs.filter(status=Seat.Status.ACTIVE)
    order = role_order()
    return sorted(qs, key=lambda s: (order[s.role], s.status != "active", s.pk))


def council_units(council, status=MemberUnit.Status.ACTIVE):
    qs = MemberUnit.objects.filter(council=council)
    return qs.filter(status=status) if status else qs


def council_meetings(council):
    return Meeting.objects.filter(council=council).select_related("convener").order_by("-starts_at")


@dataclass
class MeetingDetail:
    meeting: Meeting
    agenda: list
    seats: list
    present: dict                     # seat_id → role
    open_rows: dict                   # seat_id → open Attendance (who is in now)
    verdict: rules.Verdict
    motions: list
    at: object = None
    extra: dict = field(default_factory=dict)

    @property
    def present_count(self):
        return len(self.present)

    @property
    def members_count(self):
        return self.verdict.members


def meeting_detail(meeting, *, at=None):
    """Everything the meeting page shows, in a fixed number of queries (6) whatever the size."""
    from .services.attendance import present_filter, quorum_status

    at = at or timezone.now()
    meeting = Meeting.objects.select_related("council__body__policy", "convener").get(pk=meeting.pk)
    agenda = list(AgendaItem.objects.filter(meeting=meeting).select_related("proposed_by", "decided_by")
                  .order_by("order", "pk"))
    day = timezone.localdate(at)
    seats = list(Seat.objects.filter(council=meeting.council, term_start__lte=day)
                 .filter(Q(status=Seat.Status.ACTIVE) | Q(ended_on__gt=day)).select_related(*SEAT_RELATED))
    order = role_order()
    seats.sort(key=lambda s: (order[s.role], s.pk))
    rows = list(Attendance.objects.filter(meeting=meeting).filter(present_filter(at)).select_related("attendee"))
    seat_roles = {s.pk: s.role for s in seats}
    present = {r.seat_id: seat_roles[r.seat_id] for r in rows if r.seat_id in seat_roles}
    verdict = quorum_status(meeting, at, members=len(seats), present=present)
    motions = list(Motion.objects.filter(meeting=meeting).order_by("number"))
    return MeetingDetail(meeting=meeting, agenda=agenda, seats=seats, present=present,
                         open_rows={r.seat_id: r for r in rows}, verdict=verdict, motions=motions, at=at)


def attendance_rows(meeting):
    return list(Attendance.objects.filter(meeting=meeting).select_related("seat__unit", "seat__holder", "attendee",
                                                                           "recorded_by")
                .order_by("checked_in_at", "pk"))


def tally_counts(motion):
    """Ballot counts in one aggregate query (elections: one query over the JSON choices)."""
    out = {"yes": 0, "no": 0, "abstain": 0, "cast": 0, "candidates": {}}
    if motion.kind == Motion.Kind.ELECTION:
        for choices in Ballot.objects.filter(motion=motion).values_list("choices", flat=True):
            out["cast"] += 1
            for cid, choice in choices.items():
                slot = out["candidates"].setdefault(str(cid), {"yes": 0, "no": 0, "abstain": 0})
                slot[choice] += 1
        return out
    agg = Ballot.objects.filter(motion=motion).aggregate(
        yes=Count("pk", filter=Q(choice="yes")), no=Count("pk", filter=Q(choice="no")),
        abstain=Count("pk", filter=Q(choice="abstain")), cast=Count("pk"))
    out.update(agg)
    return out


def tally(motion):
    """The live or final tally: counts, base, required count and the verdict line
    ("通过：出席 21 人中同意 15 票，需 14 票"). Two queries at most."""
    if motion.status == Motion.Status.CLOSED and motion.tally:
        return {**motion.tally, "final": True, "result": motion.result}
    counts = tally_counts(motion)
    out = {**counts, "final": False, "result": ""}
    if motion.rule:
        base = rules.vote_base(motion.rule, motion.members_count or 0, motion.present_count or 0)
        out.update(base=base, base_kind=motion.rule["base"], roster=len(motion.roster),
                   not_voted=len(motion.roster) - counts["cast"])
        if motion.kind != Motion.Kind.ELECTION:
            verdict = rules.vote(motion.rule, base, counts["yes"])
            out.update(needed=verdict.needed, summary=verdict.summary(), would_pass=verdict.ok)
    return out


def my_ballot(motion, seat):
    if seat is None:
        return None
    return Ballot.objects.filter(motion=motion, seat=seat).first()


def motion_detail(motion, user=None):
    from .services.common import seat_of

    motion = Motion.objects.select_related("council__body", "meeting", "target_seat").get(pk=motion.pk)
    seat = seat_of(motion.council, user) if user is not None else None
    in_roster = seat is not None and any(r["seat"] == seat.pk for r in motion.roster)
    return {"motion": motion, "tally": tally(motion), "candidates": list(motion.candidates.all()), "seat": seat,
            "in_roster": in_roster, "ballot": my_ballot(motion, seat)}


def open_written_votes(user):
    if not getattr(user, "is_authenticated", False):
        return []
    qs = Motion.objects.filter(written=True, status=Motion.Status.OPEN).select_related("council")
    seat_ids = Seat.objects.filter(status=Seat.Status.ACTIVE).filter(
        Q(holder=user) | Q(representative=user) | Q(substitute=user)).values_list("pk", flat=True)
    seat_ids = set(seat_ids)
    return [m for m in qs if any(r["seat"] in seat_ids for r in m.roster)]


def public_resolutions(council=None):
    qs = Resolution.objects.filter(public=True, published_at__isnull=False).select_related("council__body")
    if council is not None:
        qs = qs.filter(council=council)
    return qs.order_by("-published_at", "-pk")


def petition_rows(council):
    """Petitions with their progress, in two queries."""
    units = MemberUnit.objects.filter(council=council, status=MemberUnit.Status.ACTIVE).count()
    policy = council.body.policy
    needed = max(1, rules.petition_needed(policy, units))
    qs = (Petition.objects.filter(council=council).select_related("created_by")
          .annotate(signed=Count("signatures", filter=Q(signatures__unit__status=MemberUnit.Status.ACTIVE)))
          .order_by("-created_at"))
    return [{"petition": p, "signed": p.signed, "units": units, "needed": needed, "reached": p.signed >= needed}
            for p in qs]


def absent_units(council, *, today=None):
    """Member units that took part in none of the council's closed meetings within the last
    `member_absence_exit_years` years ("一年内未参加理事会任何活动") — candidates for removal with
    reason absent_year (the secretariat decides: `membership.remove_unit`). Units that joined
    within the period, or a period without any meeting, are not listed. Two queries."""
    from .services.common import add_years

    years = council.body.policy.member_absence_exit_years
    if not years:
        return []
    today = today or timezone.localdate()
    since = add_years(today, -years)
    held = Meeting.objects.filter(council=council, status=Meeting.Status.CLOSED, starts_at__date__gt=since,
                                  starts_at__date__lte=today)
    if not held.exists():
        return []
    return list(MemberUnit.objects.filter(council=council, status=MemberUnit.Status.ACTIVE, joined_on__lte=since)
                .exclude(seats__attendance__meeting__in=held).order_by("name"))


def leaders_status(council):
    """The leaders limit as it stands now (after units left, say); None for councils without units."""
    units = MemberUnit.objects.filter(council=council, status=MemberUnit.Status.ACTIVE).count()
    if not units:
        return None
    leaders = Seat.objects.filter(council=council, status=Seat.Status.ACTIVE, role__in=Seat.LEADER_ROLES).count()
    return rules.leaders_ok(council.body.policy, leaders, units)


def roster_intact(motion):
    """True when the motion's frozen rule, roster and counts still hash to `roster_hash`."""
    from .services.common import canonical_hash

    if not motion.roster_hash:
        return False
    return motion.roster_hash == canonical_hash({"rule": motion.rule, "roster": motion.roster,
                                                 "members": motion.members_count, "present": motion.present_count})
