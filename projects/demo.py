"""Demo data of jx-base projects: participating units with accounts, and projects in every
lifecycle state (one with a join request, one adjusted, one archived with a closing review).
Idempotent: units, accounts and projects are found by name and created once; every state
change goes through the services, with past times where a period must have run."""
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal import roles
from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import Body, Role, RoleAssignment, User

from .models import Organisation, Project
from .services import project_application as app
from .services import project_closing as closing
from .services import project_implementation as impl
from .services import project_notice as notice
from .services.project_common import project_settings

BODY = "jx-base"
UNITS = [
    # (name, credit code, [(account local part, name)])
    ("江西省质量和标准化研究院", "12360000491012345X", [("unit-jxqs", "质标院 项目联络人 胡波")]),
    ("江西绿色生态产业技术研究院", "12360100MB1234567Y", [("unit-green", "绿色院 项目联络人 邹云")]),
    ("南昌大学资源与环境学院", "123600004190123450", [("unit-ncu", "南昌大学 项目联络人 程亮")]),
]


def _accounts(body, admin):
    users = {}
    for _name, _code, accounts in UNITS:
        for local, name in accounts:
            user = User.objects.filter(email=demo_email(local)).first()
            if user is None:
                user = User.objects.create_user(demo_email(local), DEMO_PASSWORD, name=name, email_verified=True)
            if not RoleAssignment.objects.filter(user=user, body=body, role=Role.MEMBER).exists():
                roles.grant_role(user, body, Role.MEMBER, actor=admin)
            users[local] = user
    return users


def _units(body, users):
    orgs = []
    for name, code, accounts in UNITS:
        org, _created = Organisation.objects.get_or_create(body=body, name=name, defaults={"credit_code": code})
        org.members.add(*[users[local] for local, _n in accounts])
        orgs.append(org)
    member = User.objects.filter(email=demo_email("member")).first()
    if member is not None:
        orgs[0].members.add(member)
    return orgs


def _draft(org, user, title, field, start, *, now):
    project = app.create_project(org, actor=user, title=title, now=now)
    app.update_project(project, actor=user, now=now, values={
        "field": field, "goals": f"围绕“{title}”研制关键共性标准，开展试点验证。",
        "expected_outputs": "团体标准 1 项；研究报告 1 份；试点示范 1 个。", "budget_sources": "基地专项经费与单位自筹。",
        "starts_on": start, "ends_on": start + timedelta(days=365), "lead_name": "项目负责人 " + user.name[-2:]},
        milestones=[("完成调研与标准草案", start + timedelta(days=120)), ("完成征求意见稿", start + timedelta(days=240)),
                    ("完成送审稿与试点", start + timedelta(days=350))],
        team=[(user.name[-2:], org.name, "lead"), ("李明", org.name, "core")],
        partners=[("江西省标准化协会", "", "技术支持", "组织专家论证")],
        budget=[("调研费", Decimal("8.00"), "基地专项"), ("试点费", Decimal("12.50"), "单位自筹")])
    return project


def seed_projects_demo():
    body = Body.objects.filter(key=BODY).first()
    if body is None:
        return {}
    admin = User.objects.filter(email=demo_email("admin")).first()
    office = User.objects.filter(email=demo_email("sec-jx-base")).first()
    approver = User.objects.filter(email=demo_email("approver")).first()
    if admin is None or office is None or approver is None:
        return {}
    with transaction.atomic():
        settings = project_settings(body)
        if not settings.number_prefix:
            settings.number_prefix = "JXJD"
            settings.save()
        users = _accounts(body, admin)
        host, green, ncu = _units(body, users)
        a, b, c = users["unit-jxqs"], users["unit-green"], users["unit-ncu"]
        existing = set(Project.objects.filter(body=body).values_list("title", flat=True))
        now = timezone.now()
        past = now - timedelta(days=60)
        start = date(timezone.localdate(now).year, 1, 1)
        made = {}

        def new(key, org, user, title, field, when=now):
            if title in existing:
                return None
            made[key] = _draft(org, user, title, field, start, now=when)
            return made[key]

        new("draft", ncu, c, "鄱阳湖湿地生态监测技术规范", Project.Field.ECOLOGY)

        p = new("submitted", green, b, "绿色有机农产品认证评价指南", Project.Field.AGRICULTURE)
        if p:
            app.submit_project(p, actor=b, now=now)

        p = new("returned", ncu, c, "赣江流域水质在线监测数据规范", Project.Field.ECOLOGY)
        if p:
            app.submit_project(p, actor=c, now=now)
            app.return_project(p, actor=office, reason="请补充试点单位与经费来源证明。", now=now)

        p = new("rejected", green, b, "农村生活垃圾处理设施运维导则", Project.Field.SERVICE)
        if p:
            app.submit_project(p, actor=b, now=now)
            app.reject_project(p, actor=office, reason="与已立项项目内容重复。", now=now)

        p = new("council", host, a, "生态产品价值核算标准体系研究", Project.Field.ECOLOGY)
        if p:
            app.submit_project(p, actor=a, now=now)
            settings.requires_council_decision = True
            settings.save(update_fields=["requires_council_decision"])
            app.approve_project(p, actor=office, reason="重大项目，提请理事会审议。", now=now)
            settings.requires_council_decision = False
            settings.save(update_fields=["requires_council_decision"])

        p = new("notice", host, a, "绿色低碳园区评价标准", Project.Field.INDUSTRY)
        if p:
            app.submit_project(p, actor=a, now=now)
            app.approve_project(p, actor=office, reason="符合基地工作计划。", now=now)
            notice.request_join(p, ncu, actor=c, role="参与起草单位", contribution="提供园区碳排放监测数据与试点场地。",
                                now=now)

        p = new("adjusted", host, a, "光伏电站生态修复技术指南", Project.Field.ENERGY, when=past)
        if p:
            app.submit_project(p, actor=a, now=past)
            app.approve_project(p, actor=office, reason="同意立项。", now=past)
            jr = notice.request_join(p, green, actor=b, role="试点单位", contribution="承担两个电站的修复试点。", now=past)
            notice.answer_join(jr, actor=a, accept=True, now=past)
            notice.confirm_join(jr, actor=office, now=past)
            notice.close_due_notices(now=now)
            m = p.milestones.order_by("order").first()
            impl.file_progress_report(m, actor=a, text="已完成 6 个电站的调研，形成标准草案初稿。", progress=100, now=now)
            adj = impl.request_adjustment(p, actor=a, kind="timeline", reason="试点电站检修，试点推迟三个月。",
                                          changes={"ends_on": (start + timedelta(days=455)).isoformat()}, now=now)
            impl.decide_adjustment(adj, actor=approver, approve=True, reason="同意延期。", now=now)

        p = new("terminated", ncu, c, "稀土矿区土壤修复效果评价规范", Project.Field.ECOLOGY, when=past)
        if p:
            app.submit_project(p, actor=c, now=past)
            app.approve_project(p, actor=office, reason="同意立项。", now=past)
            notice.close_due_notices(now=now)
            impl.request_termination(p, actor=c, reason="关键试验场地无法继续使用，技术路线无法调整。", now=now)
            impl.decide_termination(p, actor=approver, approve=True, reason="同意终止。", now=now)

        p = new("archived", green, b, "茶园生态种植技术规程", Project.Field.AGRICULTURE, when=past)
        if p:
            app.submit_project(p, actor=b, now=past)
            app.approve_project(p, actor=office, reason="同意立项。", now=past)
            notice.close_due_notices(now=now)
            report = closing.submit_closing_report(p, actor=b, summary="项目已完成全部任务，形成团体标准一项并在三个茶园试点。",
                                                   outputs=[("standard", "茶园生态种植技术规程", "T/JXBZ 012-2026", True),
                                                            ("pilot", "婺源茶园生态种植试点", "", True),
                                                            ("report", "茶园生态种植调研报告", "", False)], now=now)
            closing.assign_reviewers(report, actor=office, reviewers=[office, approver], now=now)
            for review in report.reviews.all():
                closing.submit_review(review, actor=review.reviewer, score=88, comments="资料完整，成果达到预期。", now=now)
            closing.decide_closing(p, actor=office, outcome="accepted", reason="同意结题。", now=now)
            closing.archive_project(p, actor=office, now=now)
    return made
