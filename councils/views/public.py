"""Public pages (no login): the numbered register of public resolutions and one resolution.
Only public fields (number, title, text, council, dates) — never personal data or ballots."""
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.generic import TemplateView

from portal.models import Body
from portal.pagination import paginate

from ..models import Resolution

PAGE_SIZE = 20


def public_resolutions():
    return (Resolution.objects.filter(public=True, published_at__isnull=False)
            .select_related("council__body").only(
                "number", "title", "text", "published_at", "year", "seq",
                "council__name_zh", "council__name_en", "council__body__key", "council__body__name_zh",
                "council__body__name_en").order_by("-published_at", "-pk"))


class ResolutionRegisterView(TemplateView):  # public
    template_name = "councils/public/register.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = public_resolutions()
        body = None
        key = self.request.GET.get("body")
        if key:
            body = Body.objects.filter(key=key, is_active=True).first()
            if body:
                qs = qs.filter(council__body=body)
        listing = paginate(self.request, qs, PAGE_SIZE)
        ctx.update({"resolutions": listing["page_obj"].object_list, "filter_body": body,
                    "bodies": Body.objects.filter(is_active=True, councils__isnull=False).distinct().order_by("order"),
                    **listing})
        return ctx


class ResolutionDetailView(TemplateView):  # public
    template_name = "councils/public/resolution.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["resolution"] = get_object_or_404(public_resolutions(), pk=kwargs["pk"])
        return ctx


urlpatterns = [
    path("resolutions/", ResolutionRegisterView.as_view(), name="resolution-register"),  # public
    path("resolutions/<int:pk>/", ResolutionDetailView.as_view(), name="resolution-detail"),  # public
]


class CouncilsHomeView(TemplateView):  # public: the latest public resolutions; your councils when logged in
    template_name = "councils/home.html"

    def get_context_data(self, **kwargs):
        from django.db.models import Q

        from portal.permissions import bodies_for

        from ..models import Council, Seat
        from .common import VIEW_PERMISSIONS

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = []
        if user.is_authenticated:
            body_ids = set()
            for perm in VIEW_PERMISSIONS:
                body_ids |= set(bodies_for(user, perm).values_list("pk", flat=True))
            seated = Seat.objects.filter(status=Seat.Status.ACTIVE).filter(
                Q(holder=user) | Q(representative=user) | Q(substitute=user)).values("council_id")
            mine = list(Council.objects.filter(Q(body__in=body_ids) | Q(pk__in=seated), body__is_active=True)
                        .select_related("body").order_by("body__order", "pk"))
        from .. import selectors

        ctx.update({"councils": mine, "latest": list(public_resolutions()[:5]),
                    "written": selectors.open_written_votes(user) if user.is_authenticated else []})
        return ctx


urlpatterns.append(path("councils/", CouncilsHomeView.as_view(), name="home"))  # public
