"""Services for a body's policy (its rule parameters)."""
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Policy
from .permissions import require


class PolicyError(ValidationError):
    pass


def validate_values(values):
    """Cross-field rules the form and the service share: every fraction has a positive
    denominator, a positive numerator, and (for shares of a group) is at most 1."""
    errors = {}
    for prefix in Policy.FRACTIONS:
        num, den = values.get(f"{prefix}_num"), values.get(f"{prefix}_den")
        if num is None or den is None:
            continue
        label = str(Policy._meta.get_field(f"{prefix}_num").verbose_name).replace(_("（分子）"), "")
        if den == 0:
            errors[f"{prefix}_den"] = _("%(label)s：分母不能为 0。") % {"label": label}
        elif num == 0:
            errors[f"{prefix}_num"] = _("%(label)s：分子必须大于 0。") % {"label": label}
        elif prefix in Policy.PROPER_FRACTIONS and Fraction(num, den) > 1:
            errors[f"{prefix}_num"] = _("%(label)s：比例不能大于 1（%(num)s/%(den)s）。") % {
                "label": label, "num": num, "den": den}
    if errors:
        raise PolicyError(errors)


def update_policy(body, *, actor, values, citations=None):
    """Change some of a body's rule values. Audited with before/after of what changed."""
    require(actor, "edit_policy", body)
    fields = {f.name for f in Policy.value_fields()}
    unknown = set(values) - fields
    if unknown:
        raise PolicyError(_("未知的规则参数：%(names)s") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(body=body)
        merged = {**policy.snapshot(), **values}
        validate_values(merged)
        before, after = audit.apply_changes(policy, values)
        if citations is not None and citations != policy.citations:
            before["citations"], after["citations"] = policy.citations, citations
            policy.citations = citations
        if not after:
            return policy, {}
        policy.full_clean(exclude=["body"])
        policy.save()
        audit.record(actor, "policy.update", policy, body=body, data={"before": before, "after": after})
    return policy, after
