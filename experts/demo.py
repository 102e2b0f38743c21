"""Demo data of the expert pools, made through the services (so audit trails, numbering,
notifications and notices are real). Called by `portal.demo.seed_demo` after the bodies, the
pool configuration and the demo accounts exist. Idempotent: a body that already has demo
applications is left alone.

gd-quality and xx-random get an application in every state (draft, submitted, returned,
verified (xx-random: unit verification), forwarded, approved, rejected, withdrawn), an open
notice with three candidates, and a closed notice whose candidates were admitted with
certificates plus the admission-result announcement. jm-storage (no notice needed) gets two
experts admitted directly.

Dates follow the clock: the open notice starts now; the closed notice's candidates applied and
were published just long enough ago for its period (working days, per the body's policy) to
have ended, and `close_due_notices` admits them today."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.demo import DEMO_DOMAIN, DEMO_PASSWORD, demo_email
from portal.models import Body, User
from portal.workdays import TZ

from .models import Application, Attachment, Call, Expert, ExpertField, Notice
from .services import admission, applications, notices, vetting
from .validators import resident_id_check_char

S = Application.Status
APPLICANT_PREFIX = "demo-applicant-"

# A minimal, well-formed one-page PDF standing in for scanned certificates.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass(frozen=True)
class Person:
    name: str
    gender: str
    birth: date
    area: str  # 6-digit administrative code for the ID number
    employer: str
    employer_type: str
    position: str
    title: str
    title_level: str
    degree: str
    degree_year: int
    work_since: int
    region: str
    cv: str
    fields: dict = field(default_factory=dict)  # body key → field codes
    is_executive: bool = False
    executive_since: int | None = None
    licence: str = ""
    licence_year: int | None = None


PEOPLE = [
    Person("陈志远", "male", date(1972, 4, 18), "440104", "广东省标准化研究院", "institution", "副院长",
           "正高级工程师", "senior", "doctorate", 2003, 1996, "广州市",
           "长期从事标准化战略与质量管理体系研究，主持制定地方标准十余项。",
           {"gd-quality": ["standardization", "quality-management"], "xx-random": ["policy-law"]}),
    Person("李慧敏", "female", date(1978, 9, 2), "440106", "华南理工大学机械与汽车工程学院", "university", "教授",
           "教授", "senior", "doctorate", 2006, 2006, "广州市",
           "研究方向为制造质量工程与可靠性，承担多项省级质量提升课题。",
           {"gd-quality": ["quality-award"], "xx-random": ["equipment"]}),
    Person("黄伟明", "male", date(1975, 1, 23), "440105", "广东省特种设备检测研究院", "institution", "检验室主任",
           "高级工程师", "deputy_senior", "master", 2001, 1998, "广州市",
           "从事承压类特种设备检验检测二十余年，熟悉检验检测机构资质认定。",
           {"gd-quality": ["testing"], "xx-random": ["materials"]}),
    Person("吴晓燕", "female", date(1981, 6, 11), "440304", "深圳市计量质量检测研究院", "institution", "技术负责人",
           "高级工程师", "deputy_senior", "master", 2007, 2007, "深圳市",
           "负责电学计量标准建设与量值传递工作。",
           {"gd-quality": ["metrology"], "xx-random": ["electronics"]}),
    Person("梁国栋", "male", date(1969, 12, 5), "440606", "佛山市顺德区美家电器有限公司", "enterprise", "质量总监",
           "高级工程师", "deputy_senior", "bachelor", 1991, 1991, "佛山市",
           "在家电制造企业分管质量工作，推动企业获得省政府质量奖。",
           {"gd-quality": ["brand", "quality-award"], "xx-random": ["consumer-goods"]},
           is_executive=True, executive_since=2012),
    Person("何俊杰", "male", date(1983, 3, 27), "440103", "中国广州分析测试中心", "institution", "研究员",
           "研究员", "senior", "doctorate", 2011, 2011, "广州市",
           "从事材料成分分析与检测方法标准研究。",
           {"gd-quality": ["testing", "standardization"], "xx-random": ["materials"]}),
    Person("邓丽华", "female", date(1976, 8, 14), "440102", "广东省产品质量监督检验研究院", "institution", "副所长",
           "正高级工程师", "senior", "master", 2002, 1999, "广州市",
           "长期从事产品质量监督抽查与风险监测工作。",
           {"gd-quality": ["certification", "testing"], "xx-random": ["consumer-goods"]}),
    Person("罗家豪", "male", date(1980, 10, 30), "440705", "江门市海能储能科技有限公司", "enterprise", "总工程师",
           "高级工程师", "deputy_senior", "master", 2005, 2005, "江门市",
           "主持磷酸铁锂储能系统集成与电池管理系统研发。",
           {"gd-quality": ["quality-management"], "xx-random": ["electronics"],
            "jm-storage": ["electrochemical", "safety"]}),
    Person("周文静", "female", date(1985, 2, 19), "411502", "信阳师范大学经济与管理学院", "university", "副教授",
           "副教授", "deputy_senior", "doctorate", 2013, 2013, "信阳市",
           "研究区域产业经济与中小企业政策。",
           {"gd-quality": ["brand"], "xx-random": ["policy-law"]}),
    Person("刘建国", "male", date(1971, 7, 8), "411523", "新县产品质量检验检测中心", "institution", "主任",
           "高级工程师", "deputy_senior", "bachelor", 1993, 1993, "新县",
           "从事县域工业产品质量检验与监督检查工作三十年。",
           {"gd-quality": ["testing"], "xx-random": ["industry-tech", "materials"]}),
    Person("郑雅琴", "female", date(1979, 11, 21), "411523", "新县正信会计师事务所有限公司", "enterprise", "所长",
           "高级会计师", "deputy_senior", "master", 2004, 2001, "新县",
           "注册会计师，长期承担财政专项资金审计与企业财务检查。",
           {"gd-quality": ["quality-management"], "xx-random": ["finance-audit"]},
           licence="注册会计师", licence_year=2006),
    Person("孙明辉", "male", date(1974, 5, 16), "410105", "河南省化工研究所有限责任公司", "enterprise", "研究室主任",
           "高级工程师", "deputy_senior", "master", 2000, 1997, "郑州市",
           "从事精细化工工艺与安全评价研究。",
           {"gd-quality": ["certification"], "xx-random": ["materials", "equipment"]}),
    Person("谢婉婷", "female", date(1987, 1, 9), "440111", "广东工业大学管理学院", "university", "副教授",
           "副教授", "deputy_senior", "doctorate", 2014, 2014, "广州市",
           "研究质量管理与卓越绩效模式，参与省质量奖评审工作。",
           {"gd-quality": ["quality-award", "quality-management"], "xx-random": ["policy-law"]}),
    Person("冯志强", "male", date(1973, 9, 25), "440703", "江门电力设计院有限公司", "enterprise", "总工程师",
           "正高级工程师", "senior", "master", 1999, 1995, "江门市",
           "主持多项电网侧储能电站接入系统设计。",
           {"gd-quality": ["standardization"], "xx-random": ["equipment"], "jm-storage": ["power-system"]}),
]

# body key → target state → indexes into PEOPLE. "closed": admitted through a closed notice;
# "open": candidates of an open notice; "admitted": admitted directly (no notice).
PLANS = {
    "gd-quality": {
        "closed": [0, 2, 6], "open": [3, 1, 12], S.APPROVED: [4], S.FORWARDED: [5], S.SUBMITTED: [13],
        S.RETURNED: [7], S.REJECTED: [11], S.WITHDRAWN: [9], S.DRAFT: [8],
    },
    "xx-random": {
        "closed": [9, 10, 0], "open": [8, 3, 11], S.APPROVED: [12], S.FORWARDED: [13], S.VERIFIED: [1],
        S.SUBMITTED: [2], S.RETURNED: [4], S.REJECTED: [5], S.WITHDRAWN: [6], S.DRAFT: [7],
    },
    "jm-storage": {"admitted": [7, 13]},
}


def applicant_email(index):
    return f"{APPLICANT_PREFIX}{index + 1:02d}@{DEMO_DOMAIN}"


def resident_id(person, seq):
    first17 = f"{person.area}{person.birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def ensure_applicants():
    """The demo applicants' accounts (idempotent)."""
    users = []
    for i, person in enumerate(PEOPLE):
        email = applicant_email(i)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, name=person.name, mobile=f"1372000{i + 1:04d}",
                                            email_verified=True)
        users.append(user)
    return users


def profile_data(i, person):
    return {
        "name": person.name, "gender": person.gender, "birth_date": person.birth, "id_type": "resident",
        "id_number": resident_id(person, 100 + i * 7), "phone": f"1372000{i + 1:04d}", "email": applicant_email(i),
        "address": f"{person.region}{'东风路' if i % 2 else '中山路'}{20 + i}号", "employer": person.employer,
        "employer_type": person.employer_type, "position": person.position, "is_executive": person.is_executive,
        "executive_since": person.executive_since, "work_since": person.work_since, "title": person.title,
        "title_level": person.title_level, "degree": person.degree, "degree_year": person.degree_year,
        "licence": person.licence, "licence_year": person.licence_year, "region": person.region, "cv": person.cv,
        "recent_employers": [person.employer], "close_relations": "", "shareholdings": "",
    }


def _staff(body):
    sec = User.objects.get(email=demo_email(f"sec-{body.key}"))
    approver = User.objects.get(email=demo_email("approver"))
    return sec, approver


def _ensure_call(body, when):
    """Applications need an open call. A body whose call is an enrolment window that is closed
    at `when` gets a demo call for that year's enrolment."""
    if applications.open_call(body, when) is not None:
        return
    year = timezone.localtime(when, TZ).year
    Call.objects.get_or_create(
        body=body, title=f"{year}年度{body.name_zh}专家征集（演示）",
        defaults={"opens_at": datetime(year, 1, 1, tzinfo=TZ), "closes_at": datetime(year + 1, 1, 1, tzinfo=TZ)})


def _draft(body, user, i, *, when):
    person = PEOPLE[i]
    _ensure_call(body, when)
    app = applications.start_application(body, actor=user, now=when)
    codes = person.fields.get(body.key) or []
    fields = list(ExpertField.objects.filter(body=body, code__in=codes))
    applications.save_draft(app, actor=user, profile_data=profile_data(i, person), fields=fields,
                            statement=f"本人自愿申请加入{body.name_zh}，承诺所填信息真实。")
    return app


def _submitted(body, user, i, *, when):
    app = _draft(body, user, i, when=when)
    for kind, name in ((Attachment.Kind.ID_COPY, "身份证复印件.pdf"), (Attachment.Kind.TITLE_CERT, "职称证书.pdf")):
        applications.add_attachment(app, actor=user, kind=kind,
                                    upload=SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf"))
    return applications.submit(app, actor=user, now=when)


def _approved(body, user, i, *, sec, approver, when):
    """Submitted, unit-verified where the policy asks, forwarded and approved, an hour apart."""
    app = _submitted(body, user, i, when=when)
    hour = timedelta(hours=1)
    if body.policy.unit_verification_required:
        _verify(app, PEOPLE[i], sec=sec, when=when + hour)
    vetting.forward(app, actor=sec, now=when + 2 * hour)
    return vetting.approve(app, actor=approver, now=when + 3 * hour)


def _verify(app, person, *, sec, when):
    return vetting.record_unit_verification(
        app, actor=sec, unit_name=person.employer, verifier_name="人事部门负责人", method="phone",
        notes="经电话核实，申请人所填工作单位、职务和职称信息属实。", now=when)


def _advance(body, target, user, i, *, sec, approver, now):
    if target == S.DRAFT:
        return _draft(body, user, i, when=now)
    if target == S.APPROVED:
        return _approved(body, user, i, sec=sec, approver=approver, when=now)
    app = _submitted(body, user, i, when=now)
    if target == S.SUBMITTED:
        return app
    if target == S.RETURNED:
        return vetting.return_for_fixes(app, actor=sec, now=now, comments={
            "attachments": "职称证书扫描件不清晰，请重新上传加盖单位公章的复印件。",
            "work": "请补充近五年主要工作业绩。"})
    if target == S.REJECTED:
        return vetting.reject(app, actor=sec, now=now,
                              reason="所从事行业与本专家库专业领域不符，不符合入库条件。")
    if target == S.WITHDRAWN:
        return applications.withdraw(app, actor=user, reason="因工作调动，暂不申请。")
    if target == S.VERIFIED:
        return _verify(app, PEOPLE[i], sec=sec, when=now).application
    if target == S.FORWARDED:
        if body.policy.unit_verification_required:
            _verify(app, PEOPLE[i], sec=sec, when=now)
        return vetting.forward(app, actor=sec, now=now)
    raise ValueError(target)


def _closed_notice_start(body, now):
    """A publication time (10:00 Beijing) whose notice period has ended before `now`."""
    today = timezone.localtime(now, TZ).date()
    for days in range(7, 90):
        start = datetime.combine(today - timedelta(days=days), datetime.min.time(), tzinfo=TZ).replace(hour=10)
        if notices.notice_period(body, start).end_at <= now:
            return start.astimezone(dt_timezone.utc)
    raise RuntimeError("no working days found in the last 90 days")


def seed_body(body, users, *, now):
    sec, approver = _staff(body)
    plan = PLANS[body.key]
    made = {}
    if "closed" in plan:
        published = _closed_notice_start(body, now)
        applied = published - timedelta(days=3)
        closed_apps = [_approved(body, users[i], i, sec=sec, approver=approver, when=applied)
                       for i in plan["closed"]]
        made["closed_notice"] = notices.publish_notice(body, closed_apps, actor=sec, now=published)
    for target, indexes in plan.items():
        if target in ("closed", "open", "admitted"):
            continue
        made[target] = [_advance(body, target, users[i], i, sec=sec, approver=approver, now=now) for i in indexes]
    if "open" in plan:
        open_apps = [_approved(body, users[i], i, sec=sec, approver=approver, when=now - timedelta(hours=4))
                     for i in plan["open"]]
        made["open_notice"] = notices.publish_notice(body, open_apps, actor=sec, now=now)
    if "admitted" in plan:
        made["admitted"] = [
            admission.admit(_approved(body, users[i], i, sec=sec, approver=approver, when=now - timedelta(hours=4)),
                            actor=sec, now=now)
            for i in plan["admitted"]]
    return made


@transaction.atomic
def seed_experts_demo(*, now=None):
    """Seed the expert-pool demo (see the module docstring). Returns {body key: what was made}
    for the bodies seeded by this call (empty when everything already exists)."""
    # UTC: audit hashes are computed on the timestamp as given and re-checked as stored (UTC)
    now = (now or timezone.now()).astimezone(dt_timezone.utc)
    users = ensure_applicants()
    made = {}
    for key in PLANS:
        body = Body.objects.select_related("policy").filter(key=key).first()
        if body is None or Application.objects.filter(body=body, applicant__in=users).exists():
            continue
        made[key] = seed_body(body, users, now=now)
    if made:
        notices.close_due_notices(now=now)
    for key, parts in made.items():
        closed = parts.get("closed_notice")
        if closed is None:
            continue
        closed.refresh_from_db()
        experts = list(Expert.objects.filter(application__notice_entries__notice=closed).order_by("certificate_no"))
        # closing the notice published the admission result announcement
        parts["admission_result"] = (Notice.objects.filter(body=closed.body, kind=Notice.Kind.ADMISSION_RESULT)
                                     .order_by("-published_at").first())
        parts["experts"] = experts
    return made


# --- lifecycle-self: the experts' activity ------------------------------------------------------


def seed_activity_demo(*, now=None):
    """Demo activity through the services (idempotent: skipped once a demo proposal exists):
    a joint jm-storage proposal this quarter and a 报备 waiting for the secretariat, an
    xx-random change of position reported with proof (waiting), and a gd-quality training
    session next month with one enrolment."""
    from django.core.files.base import ContentFile

    from .models import Proposal
    from .services import changes, proposals, reports, training

    now = now or timezone.now()
    today = timezone.localdate(now)
    pools = {key: list(Expert.objects.filter(body__key=key, status=Expert.Status.ACTIVE)
                       .select_related("user", "body").order_by("certificate_no")[:2])
             for key in ("jm-storage", "xx-random", "gd-quality")}
    jm = pools["jm-storage"]
    if not jm or Proposal.objects.filter(body=jm[0].body, title__startswith="（演示）").exists():
        return {}
    made = {"proposal": proposals.submit_proposal(
        jm[0], actor=jm[0].user, title="（演示）关于建设江门市用户侧储能示范园区的建议",
        text="建议选择两个工业园区开展用户侧储能示范，明确并网、消防验收流程，并给予容量补贴。",
        co_authors=jm[1:2], now=now)}
    made["prior_report"] = reports.file_report(
        jm[0], actor=jm[0].user, activity="talk", title="（演示）新型储能安全技术讲座",
        starts_on=today + timedelta(days=14), place="江门职业技术学院", audience="企业技术人员约 100 人",
        now=now)
    if pools["xx-random"]:
        e = pools["xx-random"][0]
        made["change"] = changes.file_change(
            e, actor=e.user, kind="position", new_value="总工程师", effective_date=today - timedelta(days=3),
            proof=ContentFile(b"%PDF-1.4\n%demo\n%%EOF\n", name="任职文件.pdf"), now=now)
    if pools["gd-quality"]:
        gd = pools["gd-quality"][0]
        sec = User.objects.filter(email=demo_email("sec-gd-quality")).first()
        if sec is not None:
            start = (now + timedelta(days=30)).replace(hour=1, minute=0, second=0, microsecond=0)
            session = training.create_session(gd.body, actor=sec, topic="（演示）质量管理体系审核实务培训",
                                              starts_at=start, ends_at=start + timedelta(hours=3),
                                              place="广州市质量发展促进会培训室", capacity=30, now=now)
            training.enrol(session, gd, actor=gd.user, now=now)
            made["training"] = session
    return made


# ---------------------------------------------------------------------------
# lifecycle-exit: a voluntary exit request waiting for the gd-quality secretariat, a renewal
# filed by a jm-storage expert, and xx-random's next annual enrolment window (public
# announcement on /enrolment/). Idempotent: each part is made once.


def seed_lifecycle_demo(*, now=None):
    from .models import ExitCase, Renewal
    from .services import exits, terms

    now = now or timezone.now()
    made = {}
    gd = Expert.objects.filter(body__key="gd-quality", status=Expert.Status.ACTIVE).order_by("-certificate_no").first()
    if gd is not None and not ExitCase.objects.filter(body=gd.body).exists():
        made["exit_request"] = exits.request_voluntary_exit(
            gd, actor=gd.user, statement="本人已调任外省工作，难以继续参加智库活动，申请退出。", now=now)
    jm = Expert.objects.filter(body__key="jm-storage", status=Expert.Status.ACTIVE).order_by("certificate_no").first()
    if jm is not None and not Renewal.objects.filter(body=jm.body).exists():
        made["renewal"] = terms.file_renewal(jm, actor=jm.user, statement="聘期内提交季度建议 11 条，申请续聘。", now=now)
    xx = Body.objects.select_related("policy").filter(key="xx-random").first()
    if xx is not None and xx.policy.annual_enrolment:
        year = timezone.localdate(now).year + 1
        title = f"{year}年度新县工信局“双随机、一公开”专家库补充征集公告"
        if not Call.objects.filter(body=xx, title=title).exists():
            sec = User.objects.get(email=demo_email("sec-xx-random"))
            opens = datetime(year, 3, 1, 9, 0, tzinfo=TZ)
            try:
                made["enrolment"] = terms.open_enrolment_window(
                    xx, actor=sec, title=title, opens_at=opens, closes_at=datetime(year, 3, 31, 17, 0, tzinfo=TZ),
                    text="面向社会补充征集政策法律、产业技术、财务审计和特殊行业专家。符合条件者请在征集期内在线申请。",
                    now=now)
            except terms.TermError:
                pass  # overlaps a window staff opened by hand
    return made
