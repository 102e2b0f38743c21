"""Scale data for benchmarks: many admitted experts, inserted in bulk.

    create_experts(100_000)   # users, profiles, admitted applications, memberships, fields, roles

Called by `manage.py seed_scale --experts N`. Rows bypass the services on purpose (speed);
certificate numbers use a separate series `<prefix>S<seq>` so they never clash with numbers the
admission service issues (`<prefix><year><seq>`)."""
import gc
import time
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from portal.models import Body, Role, RoleAssignment, User
from portal.roles import ROLE_PERMISSIONS
from portal.workdays import TZ

from .models import Application, EmployerKey, Expert, ExpertField, ExpertProfile, PoolSettings
from .models.pool import Degree, TitleLevel
from .seed import ensure_pool_config
from .services.admission import term_end_for

SCALE_BODIES = ("jm-storage", "gd-quality", "xx-random")
EMAIL_PREFIX = "scale-expert-"
EMAIL_DOMAIN = "scale.quorum.cn"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "秀英", "建华", "志强",
         "海燕", "晓东", "丽华", "国平", "文博", "思远", "嘉怡", "子涵"]
REGIONS = ["广州市", "深圳市", "江门市", "佛山市", "东莞市", "珠海市", "新县", "信阳市", "郑州市", "武汉市"]
EMPLOYERS = ["{r}质量技术研究院", "{r}产业技术研究院", "{r}检验检测中心", "{r}大学", "{r}新能源科技有限公司",
             "{r}标准化研究所", "{r}工程咨询有限公司", "{r}会计师事务所"]
TITLES = [("高级工程师", TitleLevel.DEPUTY_SENIOR), ("正高级工程师", TitleLevel.SENIOR), ("研究员", TitleLevel.SENIOR),
          ("副研究员", TitleLevel.DEPUTY_SENIOR), ("教授", TitleLevel.SENIOR), ("副教授", TitleLevel.DEPUTY_SENIOR),
          ("高级会计师", TitleLevel.DEPUTY_SENIOR), ("工程师", TitleLevel.INTERMEDIATE)]


def _bodies(keys):
    bodies = list(Body.objects.filter(key__in=keys).select_related("policy").order_by("order", "key"))
    if len(bodies) != len(set(keys)):
        from portal.demo import ensure_bodies

        ensure_bodies()
        bodies = list(Body.objects.filter(key__in=keys).select_related("policy").order_by("order", "key"))
    if PoolSettings.objects.filter(body__in=bodies).count() != len(bodies):
        ensure_pool_config()
    return bodies


@transaction.atomic
def create_experts(n, *, batch=5000, bodies=SCALE_BODIES, now=None):
    """Bulk-create `n` admitted experts spread over `bodies` (keys), each with a user, a
    profile, an ADMITTED application, a membership with one or two fields, and the expert
    role. Returns a dict of counts and the elapsed seconds."""
    started = time.monotonic()
    now = now or timezone.now()
    bodies = _bodies(bodies)
    if n <= 0 or not bodies:
        return {"experts": 0, "seconds": 0.0}
    settings_by_body = {s.body_id: s for s in PoolSettings.objects.filter(body__in=bodies)}
    fields_by_body = {}
    for f in ExpertField.objects.filter(body__in=bodies).order_by("order", "code"):
        fields_by_body.setdefault(f.body_id, []).append(f)
    next_seq = {}
    for body in bodies:
        prefix = f"{settings_by_body[body.pk].certificate_prefix}S"
        next_seq[body.pk] = Expert.objects.filter(body=body, certificate_no__startswith=prefix).count()
    offset = User.objects.filter(email__startswith=EMAIL_PREFIX).count()
    password = make_password("scale-password")

    ct = ContentType.objects.get_for_model(Body)
    perm_ids = list(Permission.objects.filter(content_type=ct, codename__in=ROLE_PERMISSIONS[Role.EXPERT])
                    .values_list("pk", flat=True))
    totals = {"experts": 0, "field_links": 0}
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects: collection passes would cost more than they free
    try:
        for first in range(0, n, batch):
            _create_chunk(range(offset + first, offset + min(n, first + batch)), bodies=bodies, now=now,
                          password=password, settings_by_body=settings_by_body, fields_by_body=fields_by_body,
                          next_seq=next_seq, ct_id=ct.pk, perm_ids=perm_ids, totals=totals)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {**totals, "seconds": round(time.monotonic() - started, 1)}


def _create_chunk(ks, *, bodies, now, password, settings_by_body, fields_by_body, next_seq, ct_id, perm_ids,
                  totals):
    """One batch, end to end. Foreign keys are given as ids (no descriptor work per row)."""
    users = [User(email=f"{EMAIL_PREFIX}{k:07d}@{EMAIL_DOMAIN}",
                  name=SURNAMES[k % len(SURNAMES)] + GIVEN[k // len(SURNAMES) % len(GIVEN)],
                  password=password, email_verified=True, date_joined=now)
             for k in ks]
    User.objects.bulk_create(users)

    profiles = []
    for k, user in zip(ks, users):
        region = REGIONS[k % len(REGIONS)]
        title, level = TITLES[k % len(TITLES)]
        profiles.append(ExpertProfile(
            user_id=user.pk, name=user.name, gender="male" if k % 2 else "female",
            birth_date=date(1962 + k % 30, 1 + k % 12, 1 + k % 28), id_type=ExpertProfile.IdType.RESIDENT,
            phone=f"138{k % 100000000:08d}", email=user.email, employer=EMPLOYERS[k % len(EMPLOYERS)].format(r=region),
            employer_type=ExpertProfile.EmployerType.ENTERPRISE, position="技术负责人", title=title, title_level=level,
            degree=(Degree.DOCTORATE, Degree.MASTER, Degree.BACHELOR)[k % 3], degree_year=1990 + k % 25,
            work_since=1985 + k % 30, region=region))
        profiles[-1].refresh_keys()  # bulk_create does not call save()
    ExpertProfile.objects.bulk_create(profiles)
    EmployerKey.objects.bulk_create([EmployerKey(profile_id=p.pk, key=k) for p in profiles
                                     for k in sorted(p.employer_key_set())])  # what save() keeps in step

    apps, picks = [], []
    for k, user, profile in zip(ks, users, profiles):
        body = bodies[k % len(bodies)]
        submitted = now - timedelta(days=30 + k % 700)
        apps.append(Application(body_id=body.pk, applicant_id=user.pk, profile_id=profile.pk,
                                status=Application.Status.ADMITTED, submitted_at=submitted,
                                decided_at=submitted + timedelta(days=10)))
        body_fields = fields_by_body.get(body.pk, [])
        picked = []
        if body_fields:
            picked.append(body_fields[k % len(body_fields)])
            if k % 3 == 0 and len(body_fields) > 1:
                picked.append(body_fields[(k + 1) % len(body_fields)])
        picks.append(picked)
    Application.objects.bulk_create(apps)

    experts = []
    for k, app, profile, picked in zip(ks, apps, profiles, picks):
        body = bodies[k % len(bodies)]
        next_seq[body.pk] += 1
        start = timezone.localtime(app.decided_at, TZ).date()
        experts.append(Expert(
            body_id=body.pk, user_id=app.applicant_id, profile_id=profile.pk, application_id=app.pk,
            status=Expert.Status.ACTIVE,
            certificate_no=f"{settings_by_body[body.pk].certificate_prefix}S{next_seq[body.pk]:07d}",
            term_start=start, term_end=term_end_for(start, body.policy.term_years),
            admitted_at=datetime.combine(start, datetime.min.time(), tzinfo=TZ).replace(hour=10),
            public_name=profile.name, public_employer=profile.employer, public_title=profile.title,
            public_fields="、".join(f.name_zh for f in picked)))
        experts[-1].copy_profile(profile)  # the draw pool's copies of the profile (bulk_create skips save())
    Expert.objects.bulk_create(experts)

    expert_through, app_through = Expert.fields.through, Application.fields.through
    expert_links, app_links = [], []
    for app, expert, picked in zip(apps, experts, picks):
        for f in picked:
            expert_links.append(expert_through(expert_id=expert.pk, expertfield_id=f.pk))
            app_links.append(app_through(application_id=app.pk, expertfield_id=f.pk))
    expert_through.objects.bulk_create(expert_links)
    app_through.objects.bulk_create(app_links)

    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=e.user_id, body_id=e.body_id, role=Role.EXPERT) for e in experts],
        ignore_conflicts=True)
    UserObjectPermission.objects.bulk_create(
        [UserObjectPermission(user_id=e.user_id, permission_id=p, content_type_id=ct_id, object_pk=str(e.body_id))
         for e in experts for p in perm_ids],
        ignore_conflicts=True)
    totals["experts"] += len(experts)
    totals["field_links"] += len(expert_links)
