"""Public pages: home, bodies, a body's rules with citations."""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from .. import selectors
from ..forms import POLICY_SECTIONS
from ..models import Body, Policy

RUNS_LABELS = {
    "expert_pool": gettext_lazy("专家库（申请、审核、入库）"),
    "public_notice": gettext_lazy("公示与异议"),
    "random_draw": gettext_lazy("随机抽取专家"),
    "council": gettext_lazy("理事会/委员会"),
    "meetings": gettext_lazy("会议与表决"),
    "projects": gettext_lazy("创新项目"),
    "comment_rounds": gettext_lazy("征求意见"),
    "tasks": gettext_lazy("交办事项与文件"),
}


def runs_labels(body):
    return [RUNS_LABELS[r] for r in body.runs if r in RUNS_LABELS]


def home(request):  # public
    bodies = list(selectors.public_bodies())
    for b in bodies:
        b.runs_display = runs_labels(b)
    return render(request, "portal/home.html", {
        "bodies": bodies,
        "notices": selectors.open_public_notices(),
    })


def body_list(request):  # public
    bodies = list(selectors.public_bodies())
    for b in bodies:
        b.runs_display = runs_labels(b)
    return render(request, "portal/body_list.html", {"bodies": bodies})


def _display(policy, field):
    value = getattr(policy, field.name)
    if field.choices:
        return getattr(policy, f"get_{field.name}_display")()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None:
        return _("未规定")
    return value


# which of the body's activities (Body.runs) make a group of rules relevant
SECTION_RUNS = {
    0: {"expert_pool", "public_notice", "projects"},    # public notice and objections
    1: {"expert_pool"},                                  # membership
    2: {"random_draw"},                                  # draws
    3: {"council", "meetings"},                          # meetings and votes
}


def policy_rows(policy):
    """(label, value, citation) for every rule that applies to the body — a rule its
    documents fix (it has a citation), or a default of an activity the body runs; fractions
    shown as one row 'a/b'."""
    runs = set(policy.body.runs or [])
    relevant = {name for i, (_title, names) in enumerate(POLICY_SECTIONS) if SECTION_RUNS[i] & runs
                for name in names}
    rows = []
    citations = policy.citations or {}
    for field in Policy.value_fields():
        name = field.name
        if name not in relevant and name not in citations:
            continue
        if name.endswith("_den") and name[:-4] in Policy.FRACTIONS:
            continue
        if name.endswith("_num") and name[:-4] in Policy.FRACTIONS:
            prefix = name[:-4]
            label = str(field.verbose_name).replace(_("（分子）"), "").replace(_("（抽取人数）"), "")
            value = f"{getattr(policy, prefix + '_num')}/{getattr(policy, prefix + '_den')}"
            if prefix == "draw_ratio":
                value = f"{getattr(policy, 'draw_ratio_num')}:{getattr(policy, 'draw_ratio_den')}"
            cite = citations.get(name) or citations.get(prefix + "_den") or ""
        else:
            label, value, cite = field.verbose_name, _display(policy, field), citations.get(name, "")
        rows.append({"name": name, "label": label, "value": value, "citation": cite, "seeded": bool(cite)})
    rows.sort(key=lambda r: not r["seeded"])
    return rows


def body_detail(request, key):  # public: the body's rules with their clauses
    body = get_object_or_404(Body.objects.select_related("policy"), key=key, is_active=True)
    return render(request, "portal/body_detail.html", {
        "body": body,
        "runs": runs_labels(body),
        "rows": policy_rows(body.policy),
    })


@never_cache
def healthz(request):  # public: the minimal view `make bench` compares against
    return HttpResponse("ok", content_type="text/plain")
