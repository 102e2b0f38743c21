"""Expert-pool configuration of the seed bodies: settings, field trees, eligibility rules
(as data, with the clauses they come from) and an open call. Idempotent."""
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.models import Body

from .models import Call, EligibilityRule, ExpertField, PoolSettings

TZ = ZoneInfo("Asia/Shanghai")
GD = "《广东省质量发展智库管理办法》"
XX = "《新县工业和信息化局“双随机、一公开”抽查检查人员专家库管理办法》"
JM = "《江门市新型储能产业联盟专家委员会管理办法》"

POOLS = {
    "jm-storage": {
        "settings": dict(certificate_prefix="JMCN", notice_prefix="江储专", approver_title_zh="江门市工业和信息化局",
                         certificate_issuer_zh="江门市新型储能产业联盟"),
        "fields": [
            ("storage-tech", "储能技术", "Energy storage technology", [
                ("electrochemical", "电化学储能", "Electrochemical storage"),
                ("physical", "物理储能", "Physical storage")]),
            ("battery-materials", "电池材料", "Battery materials", []),
            ("power-system", "电力系统与并网", "Power systems and grid connection", []),
            ("safety", "安全与消防", "Safety and fire protection", []),
            ("policy-standards", "政策与标准", "Policy and standards", []),
            ("finance", "投融资", "Investment and finance", []),
        ],
        "rules": [],
        "call": ("江门市新型储能产业联盟专家委员会专家自愿报名", None, None),
    },
    "gd-quality": {
        "settings": dict(certificate_prefix="GDZK", notice_prefix="粤质促", approver_title_zh="广东省质量发展促进会理事会",
                         certificate_issuer_zh="广东省质量发展促进会",
                         notice_text_zh="根据《广东省质量发展智库管理办法》第七条，经质促会办公室审核、理事会审议，"
                                        "拟将下列人员纳入广东省质量发展智库，现予以公示。"),
        "fields": [
            ("quality-management", "质量管理", "Quality management", [
                ("quality-award", "质量奖评审", "Quality award assessment"),
                ("brand", "品牌建设", "Brand building")]),
            ("standardization", "标准化", "Standardization", []),
            ("metrology", "计量", "Metrology", []),
            ("certification", "认证认可", "Certification and accreditation", []),
            ("testing", "检验检测", "Testing and inspection", []),
        ],
        "rules": [
            ("qualification", "min_title_level", {"level": "deputy_senior"}, "具有副高级以上技术职称",
             "Deputy-senior professional title or above", f"{GD}第六条（一）"),
            ("qualification", "executive_years", {"years": 0}, "企业高层管理者",
             "Senior executive of an enterprise", f"{GD}第六条（一）"),
            ("experience", "work_years", {"years": 5}, "在所从事行业工作累计5年以上",
             "At least 5 years in the field", f"{GD}第六条（一）"),
            ("age", "max_age", {}, "年龄一般不超过65周岁（院士、博士生导师、享受特殊津贴专家可豁免）",
             "Aged 65 or under (academicians and similar may be exempted)", f"{GD}第六条（五）"),
        ],
        "call": ("广东省质量发展智库专家常年征集", None, None),
    },
    "xx-random": {
        "settings": dict(certificate_prefix="XXSJ", notice_prefix="新工信专", approver_title_zh="新县工业和信息化局",
                         certificate_issuer_zh="新县工业和信息化局",
                         notice_text_zh="经个人申请、所在单位核实和专家库办公室审核，拟将下列人员纳入"
                                        "新县工业和信息化局“双随机、一公开”抽查检查人员专家库，现予以公示。"),
        "fields": [
            ("policy-law", "政策法律", "Policy and law", []),
            ("industry-tech", "产业技术", "Industrial technology", [
                ("materials", "原材料工业", "Raw materials"),
                ("equipment", "装备制造", "Equipment manufacturing"),
                ("electronics", "电子信息", "Electronics and IT"),
                ("consumer-goods", "消费品工业", "Consumer goods")]),
            ("finance-audit", "财务审计", "Finance and audit", []),
            ("special-industry", "特殊行业（民爆等）", "Special industries (civil explosives etc.)", []),
        ],
        "rules": [
            ("experience", "work_years", {"years": 5}, "从事相关行业研究或管理工作5年及以上",
             "At least 5 years of research or management in the field", f"{XX}第五条（三）"),
            ("qualification", "min_title_level", {"level": "deputy_senior"}, "具有相关专业副高级以上技术职称",
             "Deputy-senior professional title or above", f"{XX}第五条（四）"),
            ("qualification", "degree_years", {"degree": "doctorate", "years": 3}, "取得相关专业博士学位3年及以上",
             "Doctorate held for at least 3 years", f"{XX}第五条（四）"),
            ("qualification", "degree_years", {"degree": "master", "years": 5}, "取得相关专业硕士学位5年及以上",
             "Master's degree held for at least 5 years", f"{XX}第五条（四）"),
            ("qualification", "licence_years", {"years": 5}, "取得国家级相关专业执业资格并专职执业5年以上",
             "National practising licence and at least 5 years of practice", f"{XX}第五条（四）"),
            ("age", "max_age", {}, "年龄一般不超过65岁（两院院士或有特殊需求的专家不受此限）",
             "Aged 65 or under (academicians and special cases exempted)", f"{XX}第五条（五）"),
            ("special-years", "field_years", {"years": 10, "fields": ["special-industry"]},
             "特殊行业专家应从事本行业十年以上", "Special-industry experts: at least 10 years in the industry",
             f"{XX}第六条（四）"),
            ("special-title", "min_title_level", {"level": "intermediate", "fields": ["special-industry"]},
             "特殊行业专家应取得本行业中级职称以上资格", "Special-industry experts: intermediate title or above",
             f"{XX}第六条（四）"),
        ],
        # annual enrolment window (第八条: applications reopened once a year)
        "call": ("2026年度新县“双随机、一公开”专家库专家征集", datetime(2026, 11, 1, tzinfo=TZ),
                 datetime(2027, 1, 1, tzinfo=TZ)),
    },
}


def ensure_pool_config():
    """Create the pool settings, field trees, rules and a call for the seed bodies."""
    for key, spec in POOLS.items():
        body = Body.objects.filter(key=key).first()
        if body is None:
            continue
        PoolSettings.objects.update_or_create(body=body, defaults=spec["settings"])
        for order, (code, zh, en, children) in enumerate(spec["fields"], start=1):
            parent, _created = ExpertField.objects.update_or_create(
                body=body, code=code, defaults=dict(name_zh=zh, name_en=en, order=order, parent=None))
            for child_order, (c_code, c_zh, c_en) in enumerate(children, start=1):
                ExpertField.objects.update_or_create(
                    body=body, code=c_code, defaults=dict(name_zh=c_zh, name_en=c_en, order=child_order,
                                                          parent=parent))
        if not EligibilityRule.objects.filter(body=body).exists():
            EligibilityRule.objects.bulk_create([
                EligibilityRule(body=body, group=group, kind=kind, params=params, label_zh=zh, label_en=en,
                                clause=clause, order=order)
                for order, (group, kind, params, zh, en, clause) in enumerate(spec["rules"], start=1)
            ])
        title, opens, closes = spec["call"]
        Call.objects.get_or_create(body=body, title=title, defaults=dict(opens_at=opens, closes_at=closes))
        ensure_exit_reasons(body)


# ---------------------------------------------------------------------------
# Exit reasons (出库情形) per body, quoted from the seed documents. Columns: code, label,
# clause (verbatim), is_voluntary, trigger kind (the computed ExitTrigger that proposes it).
# Death or incapacity ends any appointment; the seeds have no clause for it, so none is quoted.
DEATH = ("death", "死亡或丧失民事行为能力", "Death or loss of legal capacity", "", False, "")
EXIT_REASONS = {
    "jm-storage": [
        ("violation", "违反法律法规和本章程", "Breach of the law or of the charter",
         f"{JM}5.3：「违反法律法规和本章程的专家，将自动失去委员资格。」", False, "violation"),
        ("voluntary", "本人自愿退出", "Voluntary exit",
         f"{JM}5.1：「可自愿退出专家委员会。」", True, ""),
        DEATH,
    ],
    "gd-quality": [
        ("over-age", "因超龄等个人原因不符合专家入库条件", "No longer eligible (age or other personal reasons)",
         f"{GD}第八条（一）：「因超龄等个人原因不符合专家入库条件的。」", False, "age"),
        ("voluntary", "本人书面申请不再担任智库专家", "Written request to leave",
         f"{GD}第八条（二）：「本人书面申请不再担任智库专家的。」", True, ""),
        ("irresponsible", "不负责任、弄虚作假或不客观公正履职", "Irresponsible, dishonest or partial conduct",
         f"{GD}第八条（三）：「不负责任，弄虚作假，或者存在其他不客观、公正履行职责的。」", False, "violation"),
        ("abuse-of-status", "利用专家身份为利益关系方提供便利", "Using the expert status to favour interested parties",
         f"{GD}第八条（四）：「利用专家的特殊身份和影响力，为有利益关系的单位或个人提供便利的。」", False, ""),
        ("bribery", "徇私舞弊或接受不正当利益", "Favouritism or accepting improper benefits",
         f"{GD}第八条（五）：「在参加专家活动过程中，存在徇私舞弊，接受或索取相关单位个人馈赠、礼金或不正当利益的。」",
         False, ""),
        ("absences", "接受邀请后无故缺席活动两次或以上", "Two or more unexcused absences after accepting",
         f"{GD}第八条（六）：「接受邀请后无故缺席活动两次或以上的。」", False, "unexcused_absences"),
        ("disclosure", "未经同意泄露评估内容等不准公开的情况", "Disclosing confidential assessment matters",
         f"{GD}第八条（七）：「未经同意，泄露评估内容、过程、结果、专项秘密或其他不准公开的专项情况的。」", False, ""),
        ("other", "其他不适宜担任专家的情形", "Otherwise unsuitable",
         f"{GD}第八条（八）：「其他情形不适宜担任专家的。」", False, ""),
        DEATH,
    ],
    "xx-random": [
        ("poor-ratings", "同一聘期内两次被评价为差", "Rated poor twice within one term",
         f"{XX}第九条（一）：「不能客观公正履行职责,同一聘期内评价结果两次被评价为差的」", False, "poor_ratings"),
        ("disclosure", "泄露技术、商业秘密或未公开信息", "Disclosing secrets or unpublished information",
         f"{XX}第九条（二）：「履行专家职责期间,泄露获取的技术、商业秘密、未公开的政策信息以及其他不宜公开情况的」",
         False, "violation"),
        ("bribery", "收受财物或其他利益影响公正履职", "Accepting money or benefits",
         f"{XX}第九条（三）：「收受他人财物或者其他利益、影响客观公正履行职责的」", False, ""),
        ("undeclared-interest", "存在利益关系未主动回避并造成不良影响", "Undeclared conflict of interest",
         f"{XX}第九条（四）：「与项目有关单位存在利益关系,未主动提出回避并造成不良影响的」", False, ""),
        ("abuse-of-name", "利用专家名义牟取不正当利益", "Using the expert title for improper gain",
         f"{XX}第九条（五）：「利用省工信厅专家名义牟取不正当利益的」", False, ""),
        ("unanswered", "连续三次未按时回复工作邀请或无正当理由拒不承担工作", "Three unanswered invitations in a row",
         f"{XX}第九条（六）：「连续三次未在规定时间内回复工作邀请或无正当理由拒不承担有关工作的」", False, "unanswered"),
        ("voluntary", "本人自愿退出", "Voluntary exit",
         f"{XX}第十条（六）：「有权自愿退出省工信厅专家库。」", True, ""),
        DEATH,
    ],
}


def ensure_exit_reasons(body):
    """Create the body's exit reasons from EXIT_REASONS (idempotent; edits made by admins to
    existing rows are kept)."""
    from .models import ExitReason

    for order, (code, zh, en, clause, voluntary, trigger_kind) in enumerate(EXIT_REASONS.get(body.key, []), 1):
        ExitReason.objects.get_or_create(body=body, code=code, defaults=dict(
            label_zh=zh, label_en=en, clause=clause, order=order, is_voluntary=voluntary, trigger_kind=trigger_kind))
