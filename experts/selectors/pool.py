"""Read queries of the pool: the staff pool list and export, an expert's staff page, a
person's memberships and the public certificate verification. Each is a constant number of
SQL queries whatever the number of rows."""
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Expert, ExpertField

STATUS_ALL = "all"


def _fields_prefetch():
    return Prefetch("fields", queryset=ExpertField.objects.order_by("order", "code"))


def pool_experts(body, *, status=Expert.Status.ACTIVE, field=None, region="", title_level="",
                 term_ends_before=None, q=""):
    """A body's experts for staff. `status` "all" lists every membership; `field` includes the
    experts of its child fields; `term_ends_before` keeps terms ending before that date."""
    qs = (Expert.objects.filter(body=body)
          .select_related("profile", "user")
          .prefetch_related(_fields_prefetch()))
    if status and status != STATUS_ALL:
        qs = qs.filter(status=status)
    if field is not None:
        through = Expert.fields.through.objects.filter(
            Q(expertfield_id=field.pk) | Q(expertfield__parent_id=field.pk)).values("expert_id")
        qs = qs.filter(pk__in=through)
    if region:
        qs = qs.filter(region=region)
    if title_level:
        qs = qs.filter(profile__title_level=title_level)
    if term_ends_before:
        qs = qs.filter(term_end__lt=term_ends_before)
    if q:
        q = q.strip()
        qs = qs.filter(Q(public_name__icontains=q) | Q(profile__name__icontains=q)
                       | Q(profile__employer__icontains=q) | Q(certificate_no__icontains=q)
                       | Q(public_fields__icontains=q))
    return qs.order_by("certificate_no", "pk")


def pool_regions(body):
    """The regions the body's experts come from (one query), for the filter."""
    # the membership's copy of the profile's region (kept in sync by ExpertProfile.save): no join
    return list(Expert.objects.filter(body=body).exclude(region="")
                .order_by("region").values_list("region", flat=True).distinct())


def pool_field_choices(body):
    """The body's field tree, parents first then their children, as (field, depth)."""
    nodes = list(ExpertField.objects.filter(body=body).order_by("order", "code"))
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    out = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            out.append((node, depth))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return out


def export_rows(qs):
    """Rows of the Excel export of `pool_experts` (prefetch per chunk: constant queries per chunk)."""
    for e in qs.iterator(chunk_size=2000):
        yield (e.certificate_no, e.profile.name, e.profile.employer, e.profile.title,
               "、".join(f.name for f in e.fields.all()), e.profile.region, e.term_start, e.term_end,
               e.get_status_display())


def expert_for_staff(body, pk):
    """One expert of `body` with everything its staff page shows, or Expert.DoesNotExist."""
    return (Expert.objects.filter(body=body)
            .select_related("profile", "user", "application", "body")
            .prefetch_related(_fields_prefetch())
            .get(pk=pk))


def membership_history(expert):
    """Every membership of the same person in the same body, newest first (one query)."""
    return list(Expert.objects.filter(body_id=expert.body_id, user_id=expert.user_id)
                .order_by("-term_start", "-pk"))


def memberships_for(user):
    """The user's memberships in every body, newest first."""
    return (Expert.objects.filter(user=user).select_related("body")
            .prefetch_related(_fields_prefetch()).order_by("-admitted_at", "-pk"))


def expert_for_certificate_download(pk):
    return Expert.objects.select_related("body").get(pk=pk)


@dataclass(frozen=True)
class CertificateCheck:
    """What the public verification page may show: public snapshot fields only."""

    certificate_no: str
    state: str  # "valid" | "lapsed" | "exited"
    state_label: str
    name: str
    employer: str
    title: str
    fields: str
    body_name: str
    body_key: str
    term_start: object
    term_end: object

    @property
    def is_valid(self):
        return self.state == "valid"


STATE_LABELS = {
    "valid": _("有效（在库）"),
    "lapsed": _("聘期已届满"),
    "exited": _("已出库，聘书失效"),
}


def certificate_state(expert, today=None):
    """valid, lapsed (status lapsed, or the term is over) or exited."""
    today = today or timezone.localdate()
    if expert.status == Expert.Status.EXITED:
        return "exited"
    if expert.status == Expert.Status.LAPSED or expert.term_end < today:
        return "lapsed"
    return "valid"


def check_certificate(number, today=None):
    """The public verification of a certificate number, or None when unknown (one query)."""
    expert = (Expert.objects.filter(certificate_no=number).select_related("body")
              .only("certificate_no", "status", "public_name", "public_employer", "public_title", "public_fields",
                    "term_start", "term_end", "body__key", "body__name_zh", "body__name_en")
              .first())
    if expert is None:
        return None
    state = certificate_state(expert, today)
    return CertificateCheck(
        certificate_no=expert.certificate_no, state=state, state_label=str(STATE_LABELS[state]),
        name=expert.public_name, employer=expert.public_employer, title=expert.public_title,
        fields=expert.public_fields, body_name=expert.body.name, body_key=expert.body.key,
        term_start=expert.term_start, term_end=expert.term_end)
