"""Quarterly proposals (建议): an expert submits, alone or with co-authors from the same
body's pool, and every author gets credit for the quarter of the submission (Beijing date).
`send_reminders` (beat: remind-quarterly-proposals) reminds those below the body's
`proposals_per_quarter` on the quarter's first days and again from `proposal_reminder_workdays`
working days before its last day; one ProposalReminder row per expert, quarter and kind makes
it idempotent (run twice or late: one reminder).
"""
from datetime import date, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.models import Body

from ..models import Expert, Proposal, ProposalAuthor, ProposalReminder
from ..validators import sniff_upload
from .common import pool_settings

MAX_CO_AUTHORS = 10


class ProposalError(ValidationError):
    pass


def quarter_of(d):
    return d.year, (d.month - 1) // 3 + 1


def quarter_bounds(year, quarter):
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)) - timedelta(days=1)
    return first, last


def quarter_label(year, quarter):
    return _("%(year)s年第%(q)s季度") % {"year": year, "q": quarter}


def end_reminder_date(year, quarter, n):
    """The working day `n` working days before the quarter's last day:
    workdays_between(result, last) == n."""
    _first, last = quarter_bounds(year, quarter)
    d, count = last, 0
    while True:
        if workdays.is_workday(d) and d != last:
            count += 1
            if count == n:
                return d
        d -= timedelta(days=1)


def submit_proposal(expert, *, actor, title, text, attachment=None, co_authors=(), now=None):
    now = now or timezone.now()
    year, quarter = quarter_of(timezone.localdate(now))
    errors = {}
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        errors["title"] = [_("请填写标题。")]
    if not text:
        errors["text"] = [_("请填写建议内容。")]
    co_ids = sorted({getattr(c, "pk", c) for c in co_authors} - {expert.pk})
    if len(co_ids) > MAX_CO_AUTHORS:
        errors["co_authors"] = [_("联合提出人最多 %(n)s 位。") % {"n": MAX_CO_AUTHORS}]
    if errors:
        raise ProposalError(errors)
    if attachment:
        try:
            sniff_upload(attachment)
        except ValidationError as exc:
            raise ProposalError({"attachment": exc.messages}) from None
    with transaction.atomic():
        expert = Expert.objects.select_for_update(of=("self",)).select_related("body").get(pk=expert.pk)
        if actor is None or actor.pk != expert.user_id:
            raise PermissionDenied(_("只能以本人名义提交建议。"))
        if expert.status != Expert.Status.ACTIVE:
            raise ProposalError(_("您已不在该专家库中，不能提交建议。"))
        others = list(Expert.objects.filter(pk__in=co_ids, body=expert.body, status=Expert.Status.ACTIVE)
                      .select_related("user"))
        if len(others) != len(co_ids):
            raise ProposalError({"co_authors": [_("联合提出人须为本专家库的在库专家。")]})
        proposal = Proposal.objects.create(body=expert.body, title=title, text=text, attachment=attachment or "",
                                           submitted_by=actor, submitted_at=now, year=year, quarter=quarter)
        ProposalAuthor.objects.bulk_create([ProposalAuthor(proposal=proposal, expert=expert, is_lead=True)] + [
            ProposalAuthor(proposal=proposal, expert=o) for o in others])
        audit.record(actor, "experts.proposal.submit", proposal, body=expert.body, data={
            "title": title, "authors": [expert.pk, *[o.pk for o in others]], "year": year, "quarter": quarter},
            now=now)
        if others:
            notify.later([o.user for o in others], "proposal_co_author", proposal, body=expert.body,
                         subject=notify.fmt(gettext_lazy("您被列为建议“%(title)s”的联合提出人"), title=title),
                         text=notify.fmt(gettext_lazy("%(name)s提交了建议“%(title)s”，并将您列为联合提出人，计入您%(quarter)s的建议。"),
                                         name=expert.public_name, title=title,
                                         quarter=partial(quarter_label, year, quarter)),
                         url=_self_url())
    return proposal


def _self_url():
    from django.urls import reverse

    return reverse("experts:self-dashboard")


def credits_in_quarter(experts_qs, year, quarter):
    """{expert_id: number of proposals credited in the quarter} (one query)."""
    return dict(ProposalAuthor.objects.filter(expert__in=experts_qs, proposal__year=year, proposal__quarter=quarter)
                .order_by().values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n"))


def due_kind(body, today):
    """Which reminder is due on `today` for the body's current quarter: "end" from the end
    reminder date, otherwise "start"."""
    year, quarter = quarter_of(today)
    n = pool_settings(body).proposal_reminder_workdays
    if n and today >= end_reminder_date(year, quarter, n):
        return ProposalReminder.Kind.END
    return ProposalReminder.Kind.START


def send_reminders(*, now=None):
    """Remind active experts below their quota for the current quarter. Returns how many were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year, quarter = quarter_of(today)
    first, last = quarter_bounds(year, quarter)
    sent = 0
    for body in Body.objects.filter(is_active=True, policy__proposals_per_quarter__gt=0).select_related("policy"):
        needed = body.policy.proposals_per_quarter
        kind = due_kind(body, today)
        experts = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE, term_start__lte=last)
        done = credits_in_quarter(experts, year, quarter)
        already = set(ProposalReminder.objects.filter(expert__in=experts, year=year, quarter=quarter, kind=kind)
                      .values_list("expert_id", flat=True))
        due = [e for e in experts.select_related("user").order_by("pk")
               if done.get(e.pk, 0) < needed and e.pk not in already]
        last_display = partial(workdays.format_deadline, last)  # in each recipient's language
        for expert in due:
            try:
                with transaction.atomic():
                    ProposalReminder.objects.create(expert=expert, year=year, quarter=quarter, kind=kind, sent_at=now)
                    notify.later(
                        [expert.user], f"proposal_reminder_{kind}", expert, body=body,
                        subject=notify.fmt(gettext_lazy("请提交%(quarter)s的工作建议"),
                                           quarter=partial(quarter_label, year, quarter)),
                        text=notify.fmt(gettext_lazy("按“%(body)s”的规定，每位专家每季度须单独或联合提出 %(n)s 项以上工作建议。您本季度已提交 "
                               "%(done)s 项，请于 %(end)s 前提交。"),
                                        body=body.name_zh, n=needed, done=done.get(expert.pk, 0), end=last_display),
                        url=_self_url(), dedupe_key=f"proposal-{kind}-{year}Q{quarter}-{expert.pk}")
            except IntegrityError:
                continue  # another run reminded them
            sent += 1
        if due:
            audit.record(None, "experts.proposal.remind", body, body=body,
                         data={"year": year, "quarter": quarter, "kind": kind, "experts": [e.pk for e in due]},
                         now=now)
    return sent
