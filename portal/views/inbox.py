from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import notify, selectors


@login_required
def inbox(request):
    page = Paginator(selectors.inbox(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page_obj": page, "notifications": page.object_list})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    notify.mark_read(request.user, [int(i) for i in ids if i.isdigit()] if ids else None)
    return redirect("inbox")
