"""Comment rounds (征求意见): every state change of a round and its comments.

    open_round(body, actor=staff, title=…, draft=upload, workdays=10, users=[…], emails=[…])
    invite(round, actor=staff, users=[…], emails=[…])
    submit_comment(round, actor=user, clause=…, content=…)         invited respondent, until the deadline
    submit_public_comment(round, name=…, unit=…, contact=…, …)     anyone, when the round is public
    update_comment / withdraw_comment(comment, actor=user)          own comment, until the deadline
    import_comments(round, upload, actor=user, name=…, unit=…)      a filled summary form (.xlsx), all or nothing
    dispose_comment(comment, actor=staff, disposition=…, reason=…)  采纳 / 部分采纳 / 未采纳 (the last two need a reason)
    close_due_rounds(now=now)                                       the beat task's service (idempotent)

Staff need `manage_projects` on the round's body. A round is open until `deadline_at`
(24:00 of the N-th working day after opening, portal.workdays), stored on the row.
"""
import io
import zipfile
from collections import Counter
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import audit, notify, workdays
from portal.permissions import has, require, users_with
from portal.workflows import SYSTEM, Flow

from ..models import Comment, CommentInvitation, CommentRound

STAFF_PERM = "manage_projects"
MAX_WORKDAYS = 60
MAX_SHEET_ROWS = 500
D = Comment.Disposition

ROUND_FLOW = Flow(CommentRound.Status, {
    (CommentRound.Status.OPEN, CommentRound.Status.CLOSED): SYSTEM,  # the beat task at the deadline
}, body=lambda r: r.body)

# staff may revise a disposition (e.g. after a meeting); every move is audited
DISPOSITION_FLOW = Flow(D, {
    (a, b): STAFF_PERM for a in D.values for b in (D.ADOPTED, D.PARTLY, D.REJECTED) if a != b
}, body=lambda c: c.round.body, field="disposition")

# columns of the summary form (意见汇总表, jx-base 附件3) as (key, header); the template a unit fills
# in adds the proposed change and the reason, which the staff summary prints under the comment
SHEET_COLUMNS = [
    ("seq", gettext_lazy("序号")),
    ("clause", gettext_lazy("章条编号")),
    ("content", gettext_lazy("意见内容")),
    ("proposed_change", gettext_lazy("修改建议")),
    ("reason", gettext_lazy("理由")),
    ("from", gettext_lazy("提出人/单位")),
    ("disposition", gettext_lazy("处理意见")),
]
# header spellings accepted when parsing an upload (the seed's own wording included)
HEADER_ALIASES = {
    "序号": "seq", "no.": "seq",
    "章条编号": "clause", "制度文件章条编号": "clause", "clause": "clause",
    "意见内容": "content", "comment": "content",
    "修改建议": "proposed_change", "建议修改为": "proposed_change", "proposed change": "proposed_change",
    "理由": "reason", "修改理由": "reason", "reason": "reason",
    "提出人/单位": "from", "提出人或提出单位": "from", "提出人或提出单位意见": "from", "提出单位": "from", "from": "from",
    "处理意见": "disposition", "disposition": "disposition",
}
LIMITS = {"clause": 100, "content": 2000, "proposed_change": 2000, "reason": 2000, "from": 200}


class CommentError(ValidationError):
    """A comment-round action cannot be done as asked (shown on the form)."""


class SheetError(ValidationError):
    """An uploaded summary form has bad rows. `problems` holds (row, message); nothing was saved."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__([
            (_("第 %(row)s 行：%(problem)s") % {"row": row, "problem": msg}) if row else str(msg)
            for row, msg in self.problems])


def localdate(now=None):
    return timezone.localdate(now or timezone.now())


def deadline_display(rnd):
    return workdays.format_deadline(rnd.deadline_on)


def round_period(body, n, now=None):
    """The period of a round opened `now` for `n` working days (portal.workdays; the body's
    counting rule for the publication day)."""
    return workdays.deadline_end(localdate(now), n, count_start=body.policy.count_publication_day)


# ---------------------------------------------------------------------------
# uploads


def _human_size(n):
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def _check_size(upload):
    limit = settings.QUORUM_MAX_UPLOAD_BYTES
    if not upload.size:
        raise ValidationError(_("文件为空，请重新选择。"), code="upload_empty")
    if upload.size > limit:
        raise ValidationError(_("文件过大（%(size)s），单个文件不得超过 %(limit)s。") % {
            "size": _human_size(upload.size), "limit": _human_size(limit)}, code="upload_too_large")


def _zip_names(upload):
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as z:
            return set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return set()
    finally:
        upload.seek(0)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff_draft(upload):
    """A draft document is a PDF or a Word (.docx) file, checked by content, within the size
    limit. Returns the content type."""
    _check_size(upload)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") and "word/document.xml" in _zip_names(upload):
        return DOCX
    raise ValidationError(_("只接受 PDF 或 Word（.docx）文件；该文件的内容不是这两种格式之一。"), code="upload_type")


def sniff_sheet(upload):
    _check_size(upload)
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if not (head == b"PK\x03\x04" and "xl/workbook.xml" in _zip_names(upload)):
        raise ValidationError(_("只接受 Excel（.xlsx）文件，请使用下载的意见汇总表模板填写。"), code="upload_type")
    return XLSX


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_sheet(upload):
    """Rows of a filled summary form: a list of dicts (row, clause, content, proposed_change,
    reason, from). The header row is found by its 意见内容 cell; blank rows are skipped.
    Raises SheetError listing every bad row ("第 5 行：缺少意见内容")."""
    from openpyxl import load_workbook

    sniff_sheet(upload)
    try:
        wb = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise SheetError([(None, _("无法读取该 Excel 文件，请使用下载的意见汇总表模板填写。"))])
    finally:
        upload.seek(0)
    ws = wb.worksheets[0]
    columns = None
    rows, problems = [], []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in values]
        if columns is None:
            found = {HEADER_ALIASES.get(c.lower()): i for i, c in enumerate(cells) if c}
            found.pop(None, None)
            if "content" in found:
                columns = found
            elif number >= 10:
                break
            continue
        record = {key: (cells[i] if i < len(cells) else "") for key, i in columns.items()}
        if not any(v for k, v in record.items() if k not in ("seq", "disposition")):
            continue
        bad = False
        if not record.get("content"):
            problems.append((number, _("缺少意见内容")))
            bad = True
        for key, limit in LIMITS.items():
            if len(record.get(key, "")) > limit:
                problems.append((number, _("“%(column)s”不能超过 %(limit)s 个字符") % {
                    "column": dict(SHEET_COLUMNS)[key], "limit": limit}))
                bad = True
        if not bad:
            rows.append({"row": number, **{k: record.get(k, "") for k in
                                           ("clause", "content", "proposed_change", "reason", "from")}})
        if len(rows) + len(problems) > MAX_SHEET_ROWS:
            raise SheetError([(None, _("一次最多上传 %(n)s 条意见。") % {"n": MAX_SHEET_ROWS})])
    wb.close()
    if columns is None:
        raise SheetError([(None, _("没有找到表头（应包含“意见内容”列），请使用下载的意见汇总表模板填写。"))])
    if problems:
        raise SheetError(problems)
    if not rows:
        raise SheetError([(None, _("表格中没有填写任何意见。"))])
    return rows


# ---------------------------------------------------------------------------
# who may do what


def is_staff(user, rnd):
    return has(user, STAFF_PERM, rnd.body)


def invitation_for(rnd, user):
    """The user's invitation to the round (by account or by the e-mail they sign in with), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    q = Q(user=user)
    if user.email:
        q |= Q(user__isnull=True, email__iexact=user.email)
    return rnd.invitations.filter(q).order_by("user_id").first()


def may_comment(rnd, user):
    """Invited users comment row by row (and by Excel upload); staff read."""
    return invitation_for(rnd, user) is not None


def may_read(rnd, user):
    return rnd.is_public or is_staff(user, rnd) or may_comment(rnd, user)


def _check_open(rnd, now):
    if not rnd.is_open_at(now):
        raise CommentError(_("本次征求意见已于 %(end)s 截止，不再接受意见。") % {"end": deadline_display(rnd)},
                           code="round_closed")


def _lock_round(rnd):
    return CommentRound.objects.select_for_update(of=("self",)).select_related("body__policy").get(pk=rnd.pk)


# ---------------------------------------------------------------------------
# staff: open a round, invite


def _clean_emails(emails):
    """[(email, unit)] from e-mail strings or (email, unit) pairs, lower-cased, first wins."""
    seen, out = set(), []
    for item in emails:
        e, unit = (item if isinstance(item, (tuple, list)) else (item, ""))
        e = (e or "").strip().lower()
        if e and e not in seen:
            seen.add(e)
            out.append((e, (unit or "").strip()[:200]))
    return out


def open_round(body, *, actor, title, draft, workdays_count, number="", description="", is_public=False,
               users=(), emails=(), now=None):
    """Open a comment round on a draft document: the deadline is `workdays_count` working days from
    today (stored on the row), invitations go to `users` and `emails`."""
    now = now or timezone.now()
    require(actor, STAFF_PERM, body)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写文件名称。")]
    if (isinstance(workdays_count, bool) or not isinstance(workdays_count, int)
            or not 1 <= workdays_count <= MAX_WORKDAYS):
        errors["workdays_count"] = [_("征求意见期限应为 1 至 %(max)s 个工作日。") % {"max": MAX_WORKDAYS}]
    try:
        content_type = sniff_draft(draft)
    except ValidationError as exc:
        errors["draft"] = exc.messages
    users, emails = list(users), _clean_emails(emails)
    if not users and not emails and not is_public:
        errors["invitees"] = [_("请邀请至少一个单位或个人，或向社会公开征求意见。")]
    if errors:
        raise CommentError(errors)
    with transaction.atomic():
        policy = body.policy
        period = workdays.deadline_end(localdate(now), workdays_count, count_start=policy.count_publication_day)
        rnd = CommentRound(
            body=body, title=title, number=(number or "").strip(), description=(description or "").strip(),
            draft_name=getattr(draft, "name", "draft")[:200], draft_content_type=content_type, draft_size=draft.size,
            is_public=is_public, workdays=workdays_count, count_start_day=policy.count_publication_day,
            opened_at=now, starts_on=localdate(now), deadline_on=period.end_date, deadline_at=period.end_at,
            provisional=period.provisional, created_by=actor)
        rnd.draft.save(rnd.draft_name, draft, save=False)
        rnd.save()
        audit.record(actor, "projects.comment_round.open", rnd, body=body, now=now, data={
            "title": rnd.title, "number": rnd.number, "workdays": workdays_count, "deadline_on": period.end_date,
            "deadline_at": period.end_at, "provisional": period.provisional, "public": is_public,
            "count_start_day": policy.count_publication_day})
        _invite(rnd, actor=actor, users=users, emails=emails, now=now)
    return rnd


def invite(rnd, *, actor, users=(), emails=(), now=None):
    """Invite more units/people to an open round. Returns the new invitations."""
    now = now or timezone.now()
    require(actor, STAFF_PERM, rnd.body)
    with transaction.atomic():
        rnd = _lock_round(rnd)
        _check_open(rnd, now)
        users, emails = list(users), _clean_emails(emails)
        if not users and not emails:
            raise CommentError({"users": [_("请选择或填写要邀请的单位或个人。")]})
        return _invite(rnd, actor=actor, users=users, emails=emails, now=now)


def _invite(rnd, *, actor, users, emails, now):
    from portal.models import User

    existing_users = set(rnd.invitations.filter(user__isnull=False).values_list("user_id", flat=True))
    existing_emails = {e.lower() for e in rnd.invitations.values_list("email", flat=True) if e}
    units = dict(emails)
    by_email = ({u.email.lower(): u for u in User.objects.filter(email__in=list(units), is_active=True)}
                if units else {})
    targets = {u.pk: u for u in users}
    for e, _unit in emails:
        if e in by_email:
            targets.setdefault(by_email[e].pk, by_email[e])
    new = []
    for user in targets.values():
        email = (user.email or "").lower()
        if user.pk not in existing_users and email not in existing_emails:
            new.append(CommentInvitation(round=rnd, user=user, email=email, unit=units.get(email, ""),
                                         invited_at=now, invited_by=actor))
    for e, unit in emails:
        if e not in by_email and e not in existing_emails:
            new.append(CommentInvitation(round=rnd, email=e, unit=unit, invited_at=now, invited_by=actor))
    CommentInvitation.objects.bulk_create(new)
    if new:
        audit.record(actor, "projects.comment_round.invite", rnd, body=rnd.body, now=now, data={
            "users": [i.user_id for i in new if i.user_id], "emails": [i.email for i in new if not i.user_id]})
    account_users = [i.user for i in new if i.user_id]
    end = deadline_display(rnd)
    subject = notify.fmt(gettext_lazy("征求意见：%(title)s"), title=rnd.title)
    notify.later(account_users, "comment_invitation", rnd, body=rnd.body, subject=subject,
                 ends_display=partial(deadline_display, rnd),
                 provisional=rnd.provisional, dedupe_key=f"comment-invite:{rnd.pk}")
    plain = [i.email for i in new if not i.user_id]
    if plain:
        from django.template.loader import render_to_string

        text = render_to_string("notifications/comment_invitation_email.txt", {
            "object": rnd, "body": rnd.body, "ends_display": end, "provisional": rnd.provisional,
            "link": f"{settings.SITE_URL.rstrip('/')}{rnd.get_absolute_url()}"}).strip()
        transaction.on_commit(lambda s=str(subject): send_mail(s, text, settings.DEFAULT_FROM_EMAIL, plain,
                                                fail_silently=True))
    return new


# ---------------------------------------------------------------------------
# respondents


def _clean_fields(clause, content, proposed_change, reason):
    values = {"clause": (clause or "").strip(), "content": (content or "").strip(),
              "proposed_change": (proposed_change or "").strip(), "reason": (reason or "").strip()}
    errors = {}
    if not values["content"]:
        errors["content"] = [_("请填写意见内容。")]
    for key in ("clause", "content", "proposed_change", "reason"):
        if len(values[key]) > LIMITS[key]:
            errors.setdefault(key, []).append(_("不能超过 %(limit)s 个字符。") % {"limit": LIMITS[key]})
    if errors:
        raise CommentError(errors)
    return values


def submit_comment(rnd, *, actor, clause="", content, proposed_change="", reason="", name="", unit="", now=None):
    """An invited respondent adds one comment (a row of the summary form) before the deadline."""
    now = now or timezone.now()
    values = _clean_fields(clause, content, proposed_change, reason)
    with transaction.atomic():
        rnd = _lock_round(rnd)
        if not may_comment(rnd, actor):
            raise PermissionDenied(_("您未被邀请对该文件提出意见。"))
        _check_open(rnd, now)
        comment = Comment.objects.create(
            round=rnd, respondent=actor, source=Comment.Source.FORM, submitter_name=(name or actor.name)[:100],
            submitter_unit=(unit or "")[:200], submitted_at=now, updated_at=now, **values)
        audit.record(actor, "projects.comment.submit", comment, body=rnd.body, now=now,
                     data={"round": rnd.pk, "clause": comment.clause})
    return comment


def submit_public_comment(rnd, *, name, unit="", contact, clause="", content, proposed_change="", reason="",
                          ip=None, user=None, now=None):
    """A member of the public comments on a public round: name (or unit) and contact are required;
    the contact is kept private."""
    now = now or timezone.now()
    values = _clean_fields(clause, content, proposed_change, reason)
    name, unit, contact = (name or "").strip(), (unit or "").strip(), (contact or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写提出人姓名。")]
    if not contact:
        errors["contact"] = [_("请填写联系方式（不公开）。")]
    if errors:
        raise CommentError(errors)
    with transaction.atomic():
        rnd = _lock_round(rnd)
        if not rnd.is_public:
            raise PermissionDenied(_("本次征求意见不向社会公开。"))
        _check_open(rnd, now)
        actor = user if getattr(user, "is_authenticated", False) else None
        comment = Comment.objects.create(
            round=rnd, respondent=actor, source=Comment.Source.PUBLIC, submitter_name=name[:100],
            submitter_unit=unit[:200], contact=contact[:100], ip=ip, submitted_at=now, updated_at=now, **values)
        audit.record(actor or _("社会公众"), "projects.comment.submit_public", comment, body=rnd.body, now=now,
                     data={"round": rnd.pk, "clause": comment.clause})
    return comment


def _lock_own(comment, actor, now):
    comment = Comment.objects.select_for_update(of=("self",)).select_related("round__body").get(pk=comment.pk)
    if not getattr(actor, "is_authenticated", False) or comment.respondent_id != actor.pk:
        raise PermissionDenied(_("只能修改自己提出的意见。"))
    _check_open(comment.round, now)
    return comment


def update_comment(comment, *, actor, clause="", content, proposed_change="", reason="", now=None):
    """The respondent edits their own comment until the deadline."""
    now = now or timezone.now()
    values = _clean_fields(clause, content, proposed_change, reason)
    with transaction.atomic():
        comment = _lock_own(comment, actor, now)
        before, after = audit.apply_changes(comment, values)
        if after:
            comment.updated_at = now
            comment.save(update_fields=[*after, "updated_at"])
            audit.record(actor, "projects.comment.update", comment, body=comment.round.body, now=now,
                         data={"before": before, "after": after})
    return comment


def withdraw_comment(comment, *, actor, now=None):
    """The respondent deletes their own comment until the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = _lock_own(comment, actor, now)
        audit.record(actor, "projects.comment.withdraw", comment, body=comment.round.body, now=now,
                     data={"clause": comment.clause, "content": comment.content})
        comment.delete()


def import_comments(rnd, upload, *, actor, name="", unit="", now=None):
    """An invited unit uploads a filled summary form: every row becomes a comment, or — when any
    row is bad — nothing is saved and SheetError lists the rows."""
    now = now or timezone.now()
    rows = parse_sheet(upload)
    with transaction.atomic():
        rnd = _lock_round(rnd)
        if not may_comment(rnd, actor):
            raise PermissionDenied(_("您未被邀请对该文件提出意见。"))
        _check_open(rnd, now)
        name, unit = (name or actor.name or "").strip()[:100], (unit or "").strip()[:200]
        created = Comment.objects.bulk_create([
            Comment(round=rnd, respondent=actor, source=Comment.Source.EXCEL,
                    submitter_name=name if not r["from"] else "", submitter_unit=(r["from"] or unit)[:200],
                    clause=r["clause"], content=r["content"], proposed_change=r["proposed_change"],
                    reason=r["reason"], submitted_at=now, updated_at=now)
            for r in rows])
        audit.record(actor, "projects.comment.import", rnd, body=rnd.body, now=now,
                     data={"rows": len(created), "file": getattr(upload, "name", "")})
    return created


# ---------------------------------------------------------------------------
# staff: disposition, closing


def dispose_comment(comment, *, actor, disposition, reason="", now=None):
    """Staff record how a comment was handled: 采纳 (reason optional), 部分采纳 or 未采纳 (reason
    required). Respondents with an account are told once per round that results are available."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if disposition in (D.PARTLY, D.REJECTED) and not reason:
        raise CommentError({"reason": [_("“%(d)s”须说明理由。") % {"d": D(disposition).label}]})
    if len(reason) > 2000:
        raise CommentError({"reason": [_("不能超过 %(limit)s 个字符。") % {"limit": 2000}]})
    with transaction.atomic():
        comment = Comment.objects.select_for_update(of=("self",)).select_related("round__body", "respondent").get(
            pk=comment.pk)
        if comment.disposition == disposition and comment.disposition_reason == reason:
            return comment
        if comment.disposition != disposition:
            DISPOSITION_FLOW.check(comment, to=disposition, actor=actor)
        else:
            require(actor, STAFF_PERM, comment.round.body)
        before = {"disposition": comment.disposition, "reason": comment.disposition_reason}
        comment.disposition, comment.disposition_reason = disposition, reason
        comment.disposed_at, comment.disposed_by = now, actor
        comment.save(update_fields=["disposition", "disposition_reason", "disposed_at", "disposed_by"])
        audit.record(actor, "projects.comment.dispose", comment, body=comment.round.body, now=now, data={
            "before": before, "after": {"disposition": disposition, "reason": reason}})
        if comment.respondent_id:
            rnd = comment.round
            notify.later([comment.respondent], "comment_disposed", rnd, body=rnd.body,
                         subject=notify.fmt(gettext_lazy("您对《%(title)s》的意见已有处理结果"), title=rnd.title),
                         url=_mine_url(rnd), dedupe_key=f"comment-disposed:{rnd.pk}")
    return comment


def _mine_url(rnd):
    from django.urls import reverse

    return reverse("comments:respond", args=[rnd.pk])


def close_round(rnd, *, actor=None, now=None):
    """Close a round whose deadline passed. A no-op when it is already closed or not yet due."""
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _lock_round(rnd)
        if rnd.status != CommentRound.Status.OPEN or now < rnd.deadline_at:
            return False
        ROUND_FLOW.check(rnd, to=CommentRound.Status.CLOSED, actor=actor)
        rnd.status, rnd.closed_at = CommentRound.Status.CLOSED, now
        rnd.save(update_fields=["status", "closed_at"])
        count = rnd.comments.count()
        audit.record(actor, "projects.comment_round.close", rnd, body=rnd.body, now=now,
                     data={"comments": count, "deadline_at": rnd.deadline_at})
        notify.later(users_with(STAFF_PERM, rnd.body), "comment_round_closed", rnd, body=rnd.body,
                     subject=notify.fmt(gettext_lazy("征求意见已截止：%(title)s"), title=rnd.title), count=count,
                     url=_staff_url(rnd), dedupe_key=f"comment-round-closed:{rnd.pk}")
    return True


def _staff_url(rnd):
    from django.urls import reverse

    return reverse("comments:staff-round", args=[rnd.body.key, rnd.pk])


def close_due_rounds(*, now=None):
    """Close every open round past its deadline (the beat task; safe to run late or twice)."""
    now = now or timezone.now()
    closed = 0
    due = list(CommentRound.objects.filter(status=CommentRound.Status.OPEN, deadline_at__lte=now)
               .values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            rnd = (CommentRound.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, status=CommentRound.Status.OPEN).first())
            if rnd is not None and close_round(rnd, actor=None, now=now):
                closed += 1
    return closed


# ---------------------------------------------------------------------------
# the summary form (意见汇总处理表)


def summary_counts(comments):
    c = Counter(x.disposition for x in comments)
    return {"total": len(comments), "adopted": c[D.ADOPTED], "partly": c[D.PARTLY], "rejected": c[D.REJECTED],
            "pending": c[D.PENDING]}


def counts_line(counts):
    return _("共收到 %(total)s 条意见，采纳 %(adopted)s 条，部分采纳 %(partly)s 条，未采纳 %(rejected)s 条") % counts


def summary_title(rnd):
    return _("《%(title)s》意见汇总处理表") % {"title": rnd.title}


def _comment_text(c):
    parts = [c.content]
    if c.proposed_change:
        parts.append(_("修改建议：%(text)s") % {"text": c.proposed_change})
    if c.reason:
        parts.append(_("理由：%(text)s") % {"text": c.reason})
    return "\n".join(parts)


def summary_rows(comments):
    """(序号, 章条编号, 意见内容, 提出人/单位, 处理意见) per comment, in submission order."""
    return [(i, c.clause, _comment_text(c), c.from_display, c.disposition_display)
            for i, c in enumerate(comments, start=1)]


SUMMARY_HEADERS = [gettext_lazy("序号"), gettext_lazy("章条编号"), gettext_lazy("意见内容"),
                   gettext_lazy("提出人/单位"), gettext_lazy("处理意见")]


def summary_workbook(rnd, comments):
    """The summary form as .xlsx bytes: title, the counts line, then the five columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("意见汇总处理表"))
    ws.merge_cells("A1:E1")
    ws["A1"] = summary_title(rnd)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:E2")
    ws["A2"] = "  ".join(x for x in (rnd.number, counts_line(summary_counts(comments))) if x)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([str(h) for h in SUMMARY_HEADERS])
    for cell in ws[3]:
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in summary_rows(comments):
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # text typed by respondents is never a formula ("=HYPERLINK(…)")
                cell.data_type = "s"
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDE", (6, 14, 48, 24, 36)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_workbook(rnd):
    """The blank form a unit fills in and uploads: the seed's title line and columns plus the
    proposed change and the reason."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("意见汇总表"))
    ws.merge_cells("A1:G1")
    ws["A1"] = _("《%(title)s》意见汇总表") % {"title": rnd.title}
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:G2")
    ws["A2"] = _("提出单位：                    年    月    日 填写（“处理意见”一栏由秘书处填写）")
    ws.append([str(h) for _k, h in SHEET_COLUMNS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for i in range(1, 6):
        ws.append([i])
    for col, width in zip("ABCDEFG", (6, 14, 40, 30, 30, 20, 20)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
