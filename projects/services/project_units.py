"""Participating units (成员单位) of a body for projects, kept by the base office.

    save_organisation(body, actor=staff, name=…, credit_code=…, emails=[…], organisation=None)
"""
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.permissions import require

from ..models import Organisation
from .project_common import ProjectError

CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def save_organisation(body, *, actor, name, credit_code="", emails=(), organisation=None, now=None):
    """Create or update a unit and set its accounts (existing users, by e-mail). Accounts also
    need the member role (take_part) to apply; the form says so."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, "manage_projects", body)
    name = (name or "").strip()
    credit_code = (credit_code or "").strip().upper()
    errors = {}
    if not name:
        errors["name"] = [_("请填写单位名称。")]
    if credit_code and not CREDIT_CODE_RE.match(credit_code):
        errors["credit_code"] = [_("统一社会信用代码应为 18 位数字或大写字母。")]
    emails = sorted({e.strip().lower() for e in emails if e.strip()})
    users = list(get_user_model().objects.filter(email__in=emails, is_active=True))
    missing = sorted(set(emails) - {u.email.lower() for u in users})
    if missing:
        errors["emails"] = [_("以下邮箱没有对应的账号：%(e)s") % {"e": "、".join(missing)}]
    if errors:
        raise ProjectError(errors)
    with transaction.atomic():
        clash = Organisation.objects.filter(body=body, name=name)
        if organisation is not None:
            clash = clash.exclude(pk=organisation.pk)
        if clash.exists():
            raise ProjectError({"name": [_("本机构已有同名单位。")]})
        if organisation is None:
            organisation = Organisation.objects.create(body=body, name=name, credit_code=credit_code)
            action = "projects.unit.create"
        else:
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk, body=body)
            organisation.name, organisation.credit_code = name, credit_code
            organisation.save()
            action = "projects.unit.update"
        organisation.members.set(users)
        audit.record(actor, action, organisation, body=body, now=now,
                     data={"name": name, "credit_code": credit_code, "accounts": [u.email for u in users]})
    return organisation
