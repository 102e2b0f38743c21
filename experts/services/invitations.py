"""Invitations of drawn (or designated) experts: delivery and the signed reply link.

    send_invitations(invitations)          # after the draw's transaction committed
    token = signed_link_token(invitation)  # /invitations/respond/<token>/ (no login)
    invitation = invitation_from_token(token)

The link is signed (django.core.signing, salt "quorum.draw-invitation") and names the
invitation and its expert; it carries no expiry of its own: the reply service
(`experts.services.draws.reply`) refuses answers after `reply_by`, with the deadline in the
message. Delivery goes through `portal.notify` (in-app and every configured channel: e-mail
now, SMS later through `portal.notify.Channel`).

The read helpers at the end (`my_invitations`, `my_ratings`, `invitation_for_user`) are the
selectors of the expert-side pages: one or two queries whatever the number of rows.
"""
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import notify

from ..models import Invitation

SALT = "quorum.draw-invitation"


def deadline_display(moment):
    """A reply deadline as people read it: "2026年3月5日 14:30" (Beijing time)."""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def date_display(day):
    return f"{day.year}年{day.month}月{day.day}日"


def engagement_dates_display(draw):
    if draw.engagement_start == draw.engagement_end:
        return date_display(draw.engagement_start)
    return f"{date_display(draw.engagement_start)} 至 {date_display(draw.engagement_end)}"


def signed_link_token(invitation):
    """The token of the no-login reply link: the invitation and its expert, signed."""
    return signing.dumps({"i": invitation.pk, "e": invitation.expert_id}, salt=SALT, compress=True)


def invitation_from_token(token):
    """The invitation a token names. A malformed, tampered or stale token (one whose
    invitation no longer exists or belongs to another expert) raises Invitation.DoesNotExist."""
    try:
        data = signing.loads(token, salt=SALT)
        pk, expert_id = int(data["i"]), int(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Invitation.DoesNotExist(str(exc)) from exc
    return (Invitation.objects.select_related("draw__body", "expert__user")
            .get(pk=pk, expert_id=expert_id))


def respond_path(invitation):
    return reverse("experts:invitation-respond", args=[signed_link_token(invitation)])


def respond_url(invitation):
    """The absolute signed link put in the e-mail (and, later, the SMS)."""
    return settings.SITE_URL.rstrip("/") + respond_path(invitation)


def send_invitations(invitations):
    """Notify each invited expert (in-app plus every delivery channel) with the engagement,
    the reply deadline and the signed link. Idempotent per invitation (dedupe key), so a
    retried call does not invite twice. Call it after the draw's transaction committed (or
    inside it: deliveries are queued on commit either way). Returns the notifications made."""
    return send_invitation_ids([i.pk for i in invitations if i.status == Invitation.Status.INVITED])


def send_invitation_ids(ids):
    """`send_invitations` by invitation id, in bulk: five queries whatever the number of
    invitations (the invitations, their draws, their experts with users, then
    `portal.notify.later_each`: the notifications already made, one INSERT of the notifications
    and one of their deliveries). Each expert gets the subject and text in their own language."""
    from ..models import Draw, Expert

    if not ids:
        return []
    rows = list(Invitation.objects.filter(pk__in=ids, status=Invitation.Status.INVITED).order_by("pk"))
    if not rows:
        return []
    # the draw's frozen record (pool, exclusions, walk) can be large: an invitation needs none of it
    draws = {d.pk: d for d in Draw.objects.select_related("body").defer(
        "pool", "exclusions", "picks", "policy_snapshot").filter(pk__in={r.draw_id for r in rows})}
    experts = {e.pk: e for e in Expert.objects.select_related("user").order_by().filter(
        pk__in={r.expert_id for r in rows})}
    url = reverse("experts:my-invitations")
    messages = []
    for inv in rows:
        inv.draw, inv.expert = draws[inv.draw_id], experts[inv.expert_id]
        draw = inv.draw
        deadline = deadline_display(inv.reply_by)
        messages.append(notify.Message(
            inv.expert.user, "draw_invitation", inv, body=draw.body,
            subject=notify.fmt(_("专家抽取邀请：%(title)s（请于 %(deadline)s 前答复）"),
                               title=draw.title, deadline=deadline),
            url=url, dedupe_key=f"draw-invitation:{inv.pk}", draw=draw, invitation=inv,
            link=respond_url(inv), deadline=deadline, dates=engagement_dates_display(draw),
            purpose=draw.get_purpose_display))
    return notify.later_each(messages)


# ---------------------------------------------------------------------------
# reads (selectors of the expert-side pages)


def _own(user):
    return (Invitation.objects.filter(expert__user=user)
            .select_related("draw__body", "expert"))


def my_invitations(user):
    """Every invitation of the user's memberships in all bodies, newest first (one query)."""
    return _own(user).order_by("-invited_at", "-pk")


def invitation_for_user(user, pk):
    """The user's own invitation, or None (another expert's invitation is never returned)."""
    return _own(user).filter(pk=pk).first()


def my_ratings(user):
    """The user's own evaluated engagements (attendance or rating recorded), newest first."""
    from django.db.models import Q

    return (_own(user).filter(~Q(attendance="") | ~Q(rating=""))
            .order_by("-draw__engagement_start", "-pk"))
