"""Demo data: the five seed bodies with their policies, and one account per role.
Used by `manage.py seed_demo` (idempotent) and by tests."""
from django.db import transaction

from . import roles
from .models import Body, Policy, Role, RoleAssignment, User
from .seed_bodies import BODIES

DEMO_PASSWORD = "quorum-demo-2026"
DEMO_DOMAIN = "demo.quorum.cn"

# (local part, name, mobile, superuser, [(body key, role), ...])
DEMO_ACCOUNTS = [
    ("admin", "站点管理员", None, True, []),
    ("sec-jm-storage", "储能专委会秘书处 黄海", None, False, [("jm-storage", Role.SECRETARIAT)]),
    ("sec-gd-quality", "质促会工作人员 梁芳", None, False, [("gd-quality", Role.SECRETARIAT)]),
    ("sec-xx-random", "工信局工作人员 周强", None, False, [("xx-random", Role.SECRETARIAT)]),
    ("sec-cz-nev", "领导小组办公室 吴军", None, False, [("cz-nev", Role.SECRETARIAT)]),
    ("sec-jx-base", "创新基地办公室 徐丽", None, False, [("jx-base", Role.SECRETARIAT)]),
    ("approver", "审批人 王敏", None, False,
     [("jm-storage", Role.APPROVER), ("gd-quality", Role.APPROVER), ("xx-random", Role.APPROVER),
      ("jx-base", Role.APPROVER)]),
    ("supervisor", "纪委监督员 李静", None, False,
     [("gd-quality", Role.SUPERVISOR), ("xx-random", Role.SUPERVISOR)]),
    ("member", "理事 陈东", None, False,
     [("jm-storage", Role.MEMBER), ("cz-nev", Role.MEMBER), ("jx-base", Role.MEMBER)]),
    ("expert", "专家 刘洋", "13800138000", False,
     [("jm-storage", Role.EXPERT), ("gd-quality", Role.EXPERT), ("xx-random", Role.EXPERT)]),
    ("applicant", "申请人 赵磊", "13900139000", False, []),
]


def demo_email(local):
    return f"{local}@{DEMO_DOMAIN}"


def ensure_bodies(*, reset_policy=False):
    """Create or refresh the five seed bodies. Existing policy values are kept (staff may
    have edited them) unless `reset_policy`; citations are refreshed from the seeds."""
    created = []
    policy_fields = {f.name for f in Policy.value_fields()}
    for order, spec in enumerate(BODIES, start=1):
        fields = {k: spec.get(k, "") for k in (
            "name_zh", "name_en", "kind", "parent_org_zh", "parent_org_en", "summary_zh", "summary_en",
            "document_title_zh")}
        fields.update(number_prefixes=spec.get("number_prefixes", []), runs=spec.get("runs", []), order=order)
        body, was_created = Body.objects.update_or_create(key=spec["key"], defaults=fields)
        values = {k: v for k, v in spec["policy"].items() if k in policy_fields}
        policy, policy_created = Policy.objects.get_or_create(body=body, defaults={**values})
        if reset_policy and not policy_created:
            for k, v in values.items():
                setattr(policy, k, v)
        policy.citations = spec.get("citations", {})
        policy.save()
        if was_created:
            created.append(body)
    return created


def ensure_accounts():
    users = {}
    for local, name, mobile, superuser, grants in DEMO_ACCOUNTS:
        email = demo_email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            maker = User.objects.create_superuser if superuser else User.objects.create_user
            user = maker(email, DEMO_PASSWORD, name=name, mobile=mobile, email_verified=True)
        users[local] = user
    admin = users["admin"]
    for local, _name, _mobile, _superuser, grants in DEMO_ACCOUNTS:
        for key, role in grants:
            body = Body.objects.get(key=key)
            if not RoleAssignment.objects.filter(user=users[local], body=body, role=role).exists():
                roles.grant_role(users[local], body, role, actor=admin)
    return users


@transaction.atomic
def seed_demo(*, reset_policy=False):
    """Everything a newcomer should see working, in dependency order; every step is idempotent."""
    from councils.demo import seed_councils_demo
    from experts.demo import seed_activity_demo, seed_experts_demo, seed_lifecycle_demo
    from experts.demo_draws import seed_draws_demo
    from experts.seed import ensure_pool_config
    from projects.demo import seed_projects_demo
    from projects.demo_comments import seed_comments_demo

    ensure_bodies(reset_policy=reset_policy)
    ensure_pool_config()
    users = ensure_accounts()
    seed_experts_demo()  # applications, notices, admissions, certificates
    seed_draws_demo()  # completed draws with a replacement
    seed_activity_demo()  # proposals, 报备, change reports, training
    seed_lifecycle_demo()  # a voluntary exit request, a renewal, next year's enrolment window
    seed_councils_demo()  # jx-base council, jm-storage committee: meetings, votes, minutes
    seed_projects_demo()  # jx-base projects in every state (one awaiting the council's vote)
    seed_comments_demo()  # comment rounds (征求意见)
    return users


def account_lines():
    lines = []
    for local, name, mobile, superuser, grants in DEMO_ACCOUNTS:
        what = "site admin" if superuser else ", ".join(f"{k}:{r.value}" for k, r in grants) or "no role (applicant)"
        login = demo_email(local) + (f" / {mobile}" if mobile else "")
        lines.append(f"  {login:<40} {name:<14} {what}")
    return lines
