"""Read queries of the comment rounds; each runs a constant number of SQL queries."""
from django.db.models import Count, F, Q

from .models import Comment, CommentInvitation, CommentRound

D = Comment.Disposition


def _with_counts(qs):
    return qs.annotate(
        n_comments=Count("comments", distinct=True),
        n_pending=Count("comments", filter=Q(comments__disposition=D.PENDING), distinct=True),
        n_invitations=Count("invitations", distinct=True),
    )


def staff_rounds(body):
    """The body's rounds, newest first, with comment and invitation counts."""
    return _with_counts(CommentRound.objects.filter(body=body)).order_by("-opened_at", "-id")


def public_rounds():
    """Public rounds of active bodies (open first, then newest)."""
    return (CommentRound.objects.filter(is_public=True, body__is_active=True).select_related("body")
            .order_by("status", "-opened_at", "-id"))


def invited_rounds(user):
    """Rounds the user is invited to (by account or by their e-mail), newest first, with the number
    of their own comments."""
    if not getattr(user, "is_authenticated", False):
        return CommentRound.objects.none()
    q = Q(invitations__user=user)
    if user.email:
        q |= Q(invitations__user__isnull=True, invitations__email__iexact=user.email)
    ids = CommentRound.objects.filter(q).values("pk")
    return (CommentRound.objects.filter(pk__in=ids).select_related("body")
            .annotate(n_mine=Count("comments", filter=Q(comments__respondent=user)))
            .order_by("status", "-opened_at", "-id"))


def round_comments(rnd, *, disposition=""):
    qs = Comment.objects.filter(round=rnd).select_related("disposed_by")
    if disposition:
        qs = qs.filter(disposition=disposition)
    return qs.order_by("submitted_at", "id")


def summary_comments(rnd):
    """Every comment of the round in summary order (序号 follows this order)."""
    return list(Comment.objects.filter(round=rnd).order_by("submitted_at", "id"))


def numbered(rnd, page_comments):
    """序号 of the comments on a page: their position among all of the round's comments
    (one query for the page)."""
    if not page_comments:
        return
    first = page_comments[0]
    before = Comment.objects.filter(round=rnd).filter(
        Q(submitted_at__lt=first.submitted_at) | Q(submitted_at=first.submitted_at, id__lt=first.id)).count()
    for i, c in enumerate(page_comments, start=before + 1):
        c.seq = i


def own_comments(rnd, user):
    return Comment.objects.filter(round=rnd, respondent=user).order_by("submitted_at", "id")


def comments_by_ids(rnd, ids):
    """Comments of the round among `ids` (the public visitor's own, kept in their session)."""
    return list(Comment.objects.filter(round=rnd, pk__in=ids).order_by("submitted_at", "id"))


def invitations(rnd):
    """The round's invitations with how many comments each invited account made (one query)."""
    return (CommentInvitation.objects.filter(round=rnd).select_related("user")
            .annotate(n_comments=Count("round__comments", filter=Q(round__comments__respondent_id=F("user_id"))))
            .order_by("id"))


def counts(rnd):
    """Totals per disposition, in one query."""
    row = Comment.objects.filter(round=rnd).aggregate(
        total=Count("id"), adopted=Count("id", filter=Q(disposition=D.ADOPTED)),
        partly=Count("id", filter=Q(disposition=D.PARTLY)), rejected=Count("id", filter=Q(disposition=D.REJECTED)),
        pending=Count("id", filter=Q(disposition=D.PENDING)))
    return row
