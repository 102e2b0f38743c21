"""One way to paginate a filtered list page: the page plus the other GET parameters, so
pagination links keep the filters (templates/partials/pagination.html reads both)."""
from django.core.paginator import Paginator


def paginate(request, queryset, per_page):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "query": query.urlencode()}
