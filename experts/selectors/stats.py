"""Read queries of the expert's activity and the staff statistics. Every function runs a fixed
number of SQL queries whatever the pool size; aggregations happen in PostgreSQL.

- `pool_statistics(body)`: pool size by field / region / title level / age band, admissions
  per month, exits by status, invitation outcomes, the draw fairness histogram.
- `fairness(body)`: how often each expert was drawn vs Binomial(n, 1/pool size).
- `proposal_completion(body, year, experts)`: experts × quarters with the quota met or not.
- `dashboard(user)`: an expert's self-service home.
- `export_experts_xlsx(body, fileobj)`: the per-expert export, streamed row by row.
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import Case, CharField, Count, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (ChangeReport, Expert, ExpertField, Invitation, PriorReport, ProposalAuthor, TrainingEnrolment,
                      TrainingSession)
from ..models.pool import TitleLevel

ALPHA = 0.001  # flag an expert drawn k times when P(X >= k) < ALPHA
AGE_BANDS = [(None, 40, gettext_lazy("40岁以下")), (40, 50, gettext_lazy("40–49岁")),
             (50, 60, gettext_lazy("50–59岁")), (60, 66, gettext_lazy("60–65岁")),
             (66, None, gettext_lazy("66岁及以上"))]
UNKNOWN = gettext_lazy("未填写")
MONTHS = 24


# ---------------------------------------------------------------------------
# binomial arithmetic (no scipy): log-space, exact enough for tails down to 1e-300


def _log_pmf(k, n, p):
    if p <= 0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1:
        return 0.0 if k == n else -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p))


def binom_pmf(k, n, p):
    if k < 0 or k > n:
        return 0.0
    return math.exp(_log_pmf(k, n, p))


def binom_sf(k, n, p):
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    logs, mean = [], n * p
    for i in range(k, n + 1):  # past the mean the terms only shrink: stop once they no longer count
        logs.append(_log_pmf(i, n, p))
        if i > mean and logs[-1] < max(logs) - 50:
            break
    top = max(logs)
    if top == -math.inf:
        return 0.0
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def flag_threshold(n, p, alpha=ALPHA):
    """The smallest k with P(X >= k) < alpha (None when even k = n is not that unlikely)."""
    if n <= 0:
        return None
    mean = n * p
    k = max(1, int(mean))
    while k <= n:
        if binom_sf(k, n, p) < alpha:
            return k
        k += 1
    return None


# ---------------------------------------------------------------------------
# charts: server-rendered SVG geometry (templates/experts/stats/_bar_chart.html)


@dataclass
class Chart:
    key: str
    title: str
    description: str
    rows: list  # [(label, value)] or [(label, value, expected)]
    value_label: str = ""
    expected_label: str = ""
    bars: list = field(default_factory=list)
    height: int = 0
    width: int = 640
    label_width: int = 150

    def __post_init__(self):
        top = max([r[1] for r in self.rows] + [r[2] for r in self.rows if len(r) > 2] + [1])
        span = self.width - self.label_width - 70
        self.bars = []
        for i, row in enumerate(self.rows):
            y = 8 + i * 28
            bar = {"label": str(row[0]), "value": row[1], "y": y, "text_y": y + 15,
                   "w": round(span * row[1] / top, 1) if row[1] else 0}
            bar["value_x"] = self.label_width + bar["w"] + 6
            if len(row) > 2:
                bar["expected"] = row[2]
                bar["expected_display"] = f"{row[2]:.1f}"
                bar["expected_x"] = round(self.label_width + span * row[2] / top, 1)
                bar["flagged"] = row[3] if len(row) > 3 else False
            self.bars.append(bar)
        self.height = 16 + 28 * max(1, len(self.rows))
        self.has_expected = any(len(r) > 2 for r in self.rows)


def _today(today=None):
    return today or timezone.localdate()


def _years_ago(today, years):
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age_band_case(today):
    whens = []
    for low, high, label in AGE_BANDS:
        cond = Q()
        if low is not None:  # age >= low  <=> born on or before today - low years
            cond &= Q(profile__birth_date__lte=_years_ago(today, low))
        if high is not None:  # age < high <=> born after today - high years
            cond &= Q(profile__birth_date__gt=_years_ago(today, high))
        whens.append(When(cond, then=Value(str(label))))
    return Case(*whens, default=Value(str(UNKNOWN)), output_field=CharField())


def _pool_size_by_month(body, since, month_rows, admissions):
    """Members at each month's end: admitted by then, minus those who exited (the exit
    process's exit date) or lapsed (the day after term end) by then. Three queries."""
    from ..models import ExitCase

    def by_month(pairs):
        out = {}
        for day, n in pairs:
            out[(day.year, day.month)] = out.get((day.year, day.month), 0) + n
        return out

    before = Expert.objects.filter(body=body, admitted_at__date__lt=since).count()
    exits = by_month(ExitCase.objects.filter(body=body, status=ExitCase.Status.EXITED, exit_date__isnull=False)
                     .order_by().values("exit_date").annotate(n=Count("pk")).values_list("exit_date", "n"))
    lapses = by_month((end + timedelta(days=1), n) for end, n in
                      Expert.objects.filter(body=body, status=Expert.Status.LAPSED).order_by()
                      .values("term_end").annotate(n=Count("pk")).values_list("term_end", "n"))
    size = before - sum(n for k, n in exits.items() if k < (since.year, since.month)) \
        - sum(n for k, n in lapses.items() if k < (since.year, since.month))
    rows = []
    for label, _admitted in month_rows:
        key = (int(label[:4]), int(label[5:]))
        size += admissions.get(key, 0) - exits.get(key, 0) - lapses.get(key, 0)
        rows.append((label, max(size, 0)))
    return rows


def pool_statistics(body, *, today=None):
    """Everything the statistics page shows (a fixed number of queries)."""
    today = _today(today)
    active = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE)
    size = active.count()
    fields = dict(ExpertField.objects.filter(body=body).values_list("pk", "name_zh"))
    parents = dict(ExpertField.objects.filter(body=body).values_list("pk", "parent_id"))
    by_field_raw = (Expert.fields.through.objects.filter(expert__body=body, expert__status=Expert.Status.ACTIVE)
                    .order_by().values("expertfield_id").annotate(n=Count("expert_id")))  # (expert, field) is unique
    by_field = {}
    for r in by_field_raw:
        by_field[r["expertfield_id"]] = r["n"]
    field_rows = sorted(((("　" if parents.get(pk) else "") + fields.get(pk, "?"), n) for pk, n in by_field.items()),
                        key=lambda r: -r[1])[:20]
    # one scan for title level × region × age band, folded in Python (a few hundred combinations)
    regions, title_counts, age_counts = {}, {}, {}
    for level, region, band, n in (active.order_by().annotate(band=_age_band_case(today))
                                   .values_list("profile__title_level", "profile__region", "band")
                                   .annotate(n=Count("pk"))):
        regions[region] = regions.get(region, 0) + n
        title_counts[level] = title_counts.get(level, 0) + n
        age_counts[band] = age_counts.get(band, 0) + n
    region_rows = [(region or str(UNKNOWN), n) for region, n in
                   sorted(regions.items(), key=lambda r: (-r[1], r[0]))[:20]]
    title_rows = [(label, title_counts.get(value, 0)) for value, label in reversed(TitleLevel.choices)]
    age_rows = [(str(label), age_counts.get(str(label), 0)) for _l, _h, label in AGE_BANDS]
    if age_counts.get(str(UNKNOWN)):
        age_rows.append((str(UNKNOWN), age_counts[str(UNKNOWN)]))
    since = date(today.year - (MONTHS // 12), today.month, 1)
    admissions = dict(Expert.objects.filter(body=body, admitted_at__date__gte=since).order_by()
                      .annotate(m=TruncMonth("admitted_at")).values("m").annotate(n=Count("pk")).values_list("m", "n"))
    admissions = {(k.year, k.month): v for k, v in admissions.items()}
    month_rows = []
    y, m = since.year, since.month
    while (y, m) <= (today.year, today.month):
        month_rows.append((f"{y}-{m:02d}", admissions.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    size_rows = _pool_size_by_month(body, since, month_rows, admissions)
    status_counts = dict(Expert.objects.filter(body=body).order_by().values("status").annotate(n=Count("pk"))
                         .values_list("status", "n"))
    exit_rows = [(label, status_counts.get(value, 0)) for value, label in Expert.Status.choices
                 if value != Expert.Status.ACTIVE]
    # exits by their recorded reason (the exit process's decision), most frequent first
    from ..models import ExitCase, ExitReason

    by_reason = dict(ExitCase.objects.filter(body=body, status=ExitCase.Status.EXITED).order_by()
                     .values("reason").annotate(n=Count("pk")).values_list("reason", "n"))
    reasons = {r.pk: r for r in ExitReason.objects.filter(pk__in=[k for k in by_reason if k])} if by_reason else {}
    reason_rows = sorted(((reasons[k].label if k in reasons else _("未注明"), n) for k, n in by_reason.items()),
                         key=lambda row: (-row[1], str(row[0])))
    inv_counts = dict(Invitation.objects.filter(draw__body=body).order_by().values("status").annotate(n=Count("pk"))
                      .values_list("status", "n"))
    answered = sum(inv_counts.get(s, 0) for s in ("accepted", "declined", "conflict", "expired"))
    accepted = inv_counts.get("accepted", 0)
    invitation_rows = [(label, inv_counts.get(value, 0)) for value, label in Invitation.Status.choices]
    fair = fairness(body, pool_size=size)
    charts = [
        Chart("fields", _("按专业领域"), _("在库专家按专业领域的人数（一人可属多个领域，显示前 20 个）。"), field_rows,
              _("人数")),
        Chart("regions", _("按地区"), _("在库专家按所在地区的人数（前 20 个地区）。"), region_rows, _("人数")),
        Chart("titles", _("按职称等级"), _("在库专家按职称等级的人数。"), title_rows, _("人数")),
        Chart("ages", _("按年龄段"), _("在库专家按年龄段的人数（按今天计算周岁）。"), age_rows, _("人数")),
        Chart("pool_size", _("在库人数变化"), _("近 %(n)s 个月每月月末的在库专家人数（入库减去出库和聘期届满）。") % {"n": MONTHS},
              size_rows, _("人数")),
        Chart("admissions", _("每月入库人数"), _("近 %(n)s 个月每月新入库的专家人数。") % {"n": MONTHS}, month_rows,
              _("人数")),
        Chart("exits", _("出库与届满"), _("已出库、聘期届满未续聘的专家人数。"), exit_rows,
              _("人数")),
        Chart("exit_reasons", _("出库原因"), _("经出库程序决定出库的专家人数，按出库情形统计。"), reason_rows, _("人数")),
        Chart("invitations", _("抽取邀请结果"), _("全部抽取邀请按答复结果的数量。"), invitation_rows, _("邀请数")),
        Chart("fairness", _("被抽中次数分布"), _("横条为实际专家人数，竖线为按二项分布预期的人数。"), fair["rows"],
              _("专家人数"), _("预期人数")),
    ]
    return {
        "size": size, "charts": charts, "fairness": fair,
        "acceptance": {"accepted": accepted, "answered": answered,
                       "rate": round(100 * accepted / answered, 1) if answered else None},
    }


def fairness(body, *, pool_size=None, limit=50):
    """Draws per active expert vs Binomial(n, 1/pool_size), n = random picks in the body's draws.
    Returns rows (k, experts, expected, flagged), the threshold and the flagged experts (<= limit)."""
    if pool_size is None:
        pool_size = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE).count()
    inv, draw, exp = Invitation._meta.db_table, Invitation._meta.get_field("draw").related_model._meta.db_table, \
        Expert._meta.db_table
    sql = f"""
        WITH per AS (
            SELECT i.expert_id, COUNT(*) AS k FROM {inv} i JOIN {draw} d ON d.id = i.draw_id
            WHERE d.body_id = %s AND d.mode = 'random' AND i.rank IS NOT NULL GROUP BY i.expert_id)
        SELECT per.k, COUNT(*) FROM per JOIN {exp} e ON e.id = per.expert_id
        WHERE e.status = 'active' GROUP BY per.k ORDER BY per.k"""
    total_sql = f"""SELECT COUNT(*) FROM {inv} i JOIN {draw} d ON d.id = i.draw_id
                    WHERE d.body_id = %s AND d.mode = 'random' AND i.rank IS NOT NULL"""
    with connection.cursor() as cur:
        cur.execute(sql, [body.pk])
        hist = dict(cur.fetchall())
        cur.execute(total_sql, [body.pk])
        n = cur.fetchone()[0]
    p = 1 / pool_size if pool_size else 0
    drawn = sum(hist.values())
    hist[0] = max(0, pool_size - drawn)
    threshold = flag_threshold(n, p) if pool_size else None
    top = max(hist) if hist else 0
    rows = []
    for k in range(0, top + 1):
        expected = pool_size * binom_pmf(k, n, p) if pool_size else 0.0
        rows.append((str(k), hist.get(k, 0), expected, threshold is not None and k >= threshold and hist.get(k, 0) > 0))
    flagged = []
    if threshold is not None and top >= threshold:
        per = (Invitation.objects.filter(draw__body=body, draw__mode="random", rank__isnull=False,
                                         expert__status=Expert.Status.ACTIVE)
               .order_by().values("expert_id", "expert__public_name", "expert__certificate_no")
               .annotate(k=Count("pk")).filter(k__gte=threshold).order_by("-k", "expert__certificate_no")[:limit])
        flagged = [{"name": r["expert__public_name"], "certificate_no": r["expert__certificate_no"], "k": r["k"],
                    "p": binom_sf(r["k"], n, p)} for r in per]
    return {"rows": rows, "n": n, "pool_size": pool_size, "p": p, "mean": n * p, "threshold": threshold,
            "alpha": ALPHA, "flagged": flagged}


# ---------------------------------------------------------------------------
# proposals


def proposal_completion(body, year, experts):
    """For the given experts (a page): {expert_id: [count of Q1..Q4]} (one query)."""
    counts = {e.pk: [0, 0, 0, 0] for e in experts}
    for r in (ProposalAuthor.objects.filter(expert_id__in=list(counts), proposal__year=year).order_by()
              .values("expert_id", "proposal__quarter").annotate(n=Count("pk"))):
        counts[r["expert_id"]][r["proposal__quarter"] - 1] = r["n"]
    return counts


def completion_experts(body):
    return (Expert.objects.filter(body=body, status=Expert.Status.ACTIVE)
            .only("pk", "public_name", "certificate_no", "public_employer").order_by("certificate_no", "pk"))


def completion_rows(body, year, page_experts, *, today=None):
    today = _today(today)
    needed = body.policy.proposals_per_quarter
    counts = proposal_completion(body, year, page_experts)
    current = (today.year, (today.month - 1) // 3 + 1)
    rows = []
    for e in page_experts:
        cells = []
        for q, n in enumerate(counts[e.pk], start=1):
            future = (year, q) > current
            cells.append({"n": n, "met": n >= needed, "future": future, "running": (year, q) == current})
        rows.append({"expert": e, "cells": cells})
    return rows


# ---------------------------------------------------------------------------
# the expert's dashboard


def dashboard(user, *, now=None):
    """The self-service home of `user` (a constant number of queries)."""
    from ..services.proposals import quarter_bounds, quarter_of

    now = now or timezone.now()
    today = timezone.localdate(now)
    year, quarter = quarter_of(today)
    q_first, q_last = quarter_bounds(year, quarter)
    memberships = list(Expert.objects.filter(user=user).select_related("body__policy").order_by("-admitted_at", "-pk"))
    ids = [m.pk for m in memberships]
    credits = dict(ProposalAuthor.objects.filter(expert_id__in=ids, proposal__year=year, proposal__quarter=quarter)
                   .order_by().values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n"))
    R = Invitation.Rating
    engagement = dict((r["expert_id"], r) for r in Invitation.objects.filter(
        expert_id__in=ids, status=Invitation.Status.ACCEPTED).order_by().values("expert_id").annotate(
        n=Count("pk"), excellent=Count("pk", filter=Q(rating=R.EXCELLENT)),
        fair=Count("pk", filter=Q(rating=R.FAIR)), poor=Count("pk", filter=Q(rating=R.POOR))))
    open_invitations = list(Invitation.objects.filter(expert_id__in=ids, status=Invitation.Status.INVITED,
                                                      reply_by__gt=now).select_related("draw__body")
                            .order_by("reply_by"))
    changes = list(ChangeReport.objects.filter(expert_id__in=ids).select_related("expert__body")[:10])
    reports = list(PriorReport.objects.filter(expert_id__in=ids).select_related("expert__body")[:10])
    training = list(TrainingEnrolment.objects.filter(expert_id__in=ids).select_related("session__body")
                    .order_by("-session__starts_at")[:10])
    active_bodies = [m.body_id for m in memberships if m.status == Expert.Status.ACTIVE]
    enrolled = {t.session_id for t in training}
    upcoming = [s for s in TrainingSession.objects.filter(body_id__in=active_bodies, starts_at__gt=now)
                .select_related("body").annotate(taken=Count("enrolments")).order_by("starts_at")[:10]
                if s.pk not in enrolled]
    rows, actions = [], []
    for m in memberships:
        needed = m.body.policy.proposals_per_quarter
        stats = engagement.get(m.pk, {})
        row = {"expert": m, "days_left": (m.term_end - today).days, "proposals": credits.get(m.pk, 0),
               "needed": needed, "engagements": stats.get("n", 0), "excellent": stats.get("excellent", 0),
               "fair": stats.get("fair", 0), "poor": stats.get("poor", 0),
               "active": m.status == Expert.Status.ACTIVE}
        rows.append(row)
        if not row["active"]:
            continue
        if needed and row["proposals"] < needed:
            actions.append({"title": _("提交%(body)s本季度的工作建议（已提交 %(done)s / %(n)s 项）") % {
                "body": m.body.name, "done": row["proposals"], "n": needed}, "due": q_last, "expert": m,
                "kind": "proposal"})
        if 0 <= row["days_left"] <= 90:
            actions.append({"title": _("%(body)s聘期即将届满") % {"body": m.body.name}, "due": m.term_end,
                            "expert": m, "kind": "term"})
    for inv in open_invitations:
        actions.append({"title": _("答复抽取邀请：%(title)s") % {"title": inv.draw.title},
                        "due": timezone.localdate(inv.reply_by), "invitation": inv, "kind": "invitation"})
    actions.sort(key=lambda a: a["due"])
    return {"rows": rows, "open_invitations": open_invitations, "changes": changes, "reports": reports,
            "training": training, "upcoming": upcoming, "actions": actions, "year": year, "quarter": quarter,
            "quarter_end": q_last, "today": today}


# ---------------------------------------------------------------------------
# the per-expert export (streamed: write-only workbook, rows fetched in chunks)


EXPORT_HEADERS = [
    gettext_lazy("证书编号"), gettext_lazy("姓名"), gettext_lazy("工作单位"), gettext_lazy("职称"),
    gettext_lazy("职称等级"), gettext_lazy("所在地区"), gettext_lazy("专业领域"), gettext_lazy("状态"),
    gettext_lazy("聘期开始"), gettext_lazy("聘期结束"), gettext_lazy("被抽中次数"), gettext_lazy("接受邀请次数"),
    gettext_lazy("优秀"), gettext_lazy("一般"), gettext_lazy("差"),
]


def export_experts_xlsx(body, fileobj, *, chunk=5000):
    """Write every membership of the body with its draw counts to `fileobj` (3 queries + one
    per `chunk` rows through a server-side cursor). Returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    drawn = dict(Invitation.objects.filter(draw__body=body, draw__mode="random", rank__isnull=False).order_by()
                 .values("expert_id").annotate(n=Count("pk")).values_list("expert_id", "n"))
    R = Invitation.Rating
    rated = {r["expert_id"]: r for r in Invitation.objects.filter(draw__body=body, status="accepted").order_by()
             .values("expert_id").annotate(n=Count("pk"), ex=Count("pk", filter=Q(rating=R.EXCELLENT)),
                                           fa=Count("pk", filter=Q(rating=R.FAIR)),
                                           po=Count("pk", filter=Q(rating=R.POOR)))}
    titles = {k: str(v) for k, v in TitleLevel.choices}  # translated once, not per row
    statuses = {k: str(v) for k, v in Expert.Status.choices}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(_("专家统计"))[:31])
    header = []
    for h in EXPORT_HEADERS:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = Font(bold=True)
        header.append(c)
    ws.append(header)
    count = 0
    for row in (Expert.objects.filter(body=body).order_by("certificate_no", "pk")
                .values_list("pk", "certificate_no", "public_name", "public_employer", "public_title",
                             "profile__title_level", "profile__region", "public_fields", "status", "term_start",
                             "term_end").iterator(chunk_size=chunk)):
        pk, cert, name, employer, title, level, region, fields_text, status, start, end = row
        r = rated.get(pk, {})
        ws.append([cert, name, employer, title, titles.get(level, level), region, fields_text,
                   statuses.get(status, status), start, end, drawn.get(pk, 0), r.get("n", 0), r.get("ex", 0),
                   r.get("fa", 0), r.get("po", 0)])
        count += 1
    wb.save(fileobj)
    return count


def pending_tasks(user):
    """For portal's "my tasks": change reports and prior reports waiting for staff (per body
    where the user holds manage_experts) and the expert's own required actions (3 queries + 1)."""
    from django.urls import reverse

    from portal.permissions import bodies_for

    tasks = []
    bodies = list(bodies_for(user, "manage_experts"))
    if bodies:
        changes = dict(ChangeReport.objects.filter(expert__body__in=bodies, status=ChangeReport.Status.FILED)
                       .order_by().values("expert__body_id").annotate(n=Count("pk"))
                       .values_list("expert__body_id", "n"))
        reports = dict(PriorReport.objects.filter(expert__body__in=bodies, status=PriorReport.Status.FILED)
                       .order_by().values("expert__body_id").annotate(n=Count("pk"))
                       .values_list("expert__body_id", "n"))
        for body in bodies:
            if changes.get(body.pk):
                tasks.append({"title": _("“%(body)s”有 %(n)s 份信息变更报告待确认") % {
                    "body": body.name, "n": changes[body.pk]},
                    "url": reverse("experts:change-list", args=[body.key]), "due_display": ""})
            if reports.get(body.pk):
                tasks.append({"title": _("“%(body)s”有 %(n)s 份对外活动报备待处理") % {
                    "body": body.name, "n": reports[body.pk]},
                    "url": reverse("experts:report-list", args=[body.key]), "due_display": ""})
    if getattr(user, "is_authenticated", False) and Expert.objects.filter(user=user,
                                                                          status=Expert.Status.ACTIVE).exists():
        for a in dashboard(user)["actions"]:
            if a["kind"] == "proposal":
                tasks.append({"title": a["title"], "url": reverse("experts:self-dashboard"),
                              "due_display": a["due"].isoformat()})
    return tasks
