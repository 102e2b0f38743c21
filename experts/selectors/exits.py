"""Read queries of exit cases and renewals (constant query counts)."""
from django.db.models import Prefetch

from ..models import ExitCase, ExitTrigger, Renewal

STATUS_OPEN = "open"
STATUS_ALL = "all"


def exit_cases(body, *, status=STATUS_OPEN):
    """The staff queue of a body: open cases first (oldest first), or one status, or all.
    Two queries for any page: cases with expert and reason, and their triggers."""
    qs = (ExitCase.objects.filter(body=body).select_related("expert", "reason")
          .prefetch_related(Prefetch("triggers", queryset=ExitTrigger.objects.order_by("raised_at"))))
    if status == STATUS_OPEN:
        return qs.filter(status__in=ExitCase.OPEN_STATUSES).order_by("opened_at", "pk")
    if status and status != STATUS_ALL:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-pk")


def exit_case(body, pk):
    return (ExitCase.objects.select_related("body__policy", "expert__profile", "expert__user", "reason",
                                            "verified_by", "decided_by", "opened_by", "notice")
            .prefetch_related(Prefetch("triggers", queryset=ExitTrigger.objects.order_by("raised_at")))
            .filter(body=body, pk=pk).first())


def my_exit_cases(user):
    return (ExitCase.objects.filter(expert__user=user).select_related("body", "expert", "reason")
            .order_by("-opened_at", "-pk"))


def renewals(body, *, status=STATUS_OPEN):
    qs = Renewal.objects.filter(body=body).select_related("expert", "notice")
    if status == STATUS_OPEN:
        return qs.filter(status__in=Renewal.OPEN_STATUSES).order_by("filed_at", "pk")
    if status and status != STATUS_ALL:
        qs = qs.filter(status=status)
    return qs.order_by("-filed_at", "-pk")


def renewal(body, pk):
    return (Renewal.objects.select_related("body__policy", "expert__profile", "expert__user", "filed_by",
                                           "decided_by", "notice").filter(body=body, pk=pk).first())


def pending_tasks(user):
    """Exit cases and renewals waiting for `user` (for the portal's "my tasks"): two queries per
    permission, whatever the number of bodies."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from portal.permissions import bodies_for

    tasks = []
    plans = [
        ("manage_experts", ExitCase.objects.filter(status__in=["requested", "proposed", "decided"]),
         _("“%(body)s”有 %(n)s 项出库事项待办理"), "experts:exit-list"),
        ("approve", ExitCase.objects.filter(status="verifying"),
         _("“%(body)s”有 %(n)s 项出库事项待决定"), "experts:exit-list"),
        ("manage_experts", Renewal.objects.filter(status__in=["submitted", "approved"]),
         _("“%(body)s”有 %(n)s 份续聘申请待办理"), "experts:renewal-list"),
        ("approve", Renewal.objects.filter(status="forwarded"),
         _("“%(body)s”有 %(n)s 份续聘申请待审批"), "experts:renewal-list"),
    ]
    bodies = {}
    for perm, qs, title, url_name in plans:
        if perm not in bodies:
            bodies[perm] = list(bodies_for(user, perm))
        if not bodies[perm]:
            continue
        counts = dict(qs.filter(body__in=bodies[perm]).order_by().values("body_id").annotate(n=Count("pk"))
                      .values_list("body_id", "n"))
        for body in bodies[perm]:
            if counts.get(body.pk):
                tasks.append({"title": title % {"body": body.name, "n": counts[body.pk]},
                              "url": reverse(url_name, args=[body.key]), "due_display": ""})
    return tasks


def superseded_certificate(number):
    """The renewal that replaced certificate `number` (public fields of the expert only), or None."""
    return (Renewal.objects.filter(old_certificate_no=number, status=Renewal.Status.RENEWED)
            .select_related("body", "expert").only(
                "old_certificate_no", "renewed_at", "body__key", "body__name_zh", "body__name_en",
                "expert__public_name", "expert__certificate_no", "expert__status")
            .order_by("-renewed_at").first())
