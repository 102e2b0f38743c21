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
