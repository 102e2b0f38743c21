"""Seed data for the five governance bodies that Quorum serves.

Plain Python data only: no Django imports. The values come from the five
source documents in /work/shared/seeds/ (000 = jm-storage, 001 = gd-quality,
002 = xx-random, 003 = cz-nev, 004 = jx-base).

Rules followed here:
* ``policy`` has only the fields the seed itself sets. Any field left out
  falls back to the model default.
* Every ``policy`` field has an entry in ``citations``: the document, the
  clause numbered as the seed numbers it, and a short quote copied exactly
  from the seed (spaces and all).
* Fractions are stored as separate ``*_num`` / ``*_den`` ints.
  "不少于 / 以上" means ">=", so the rule is ``share >= num/den``.
* Seed 003 (cz-nev) was defaced with gambling spam in place of the district
  name 贵池区. Nothing here copies that text. ``validate()`` checks for it.
"""

JM_TITLE = "《江门市新型储能产业联盟专家委员会章程》"
GD_TITLE = "《广东省质量发展智库管理办法》"
XX_TITLE = "《新县工业和信息化局“双随机、一公开”抽查检查人员专家库管理办法》"
CZ_TITLE = "《池州市贵池区新能源汽车产业集群建设工作领导小组及办公室工作规则》"
JX_TITLE = "《国家技术标准创新基地（江西绿色生态）理事会章程（征求意见稿）》"
JX_MGMT_TITLE = "《国家技术标准创新基地（江西绿色生态）管理办法（征求意见稿）》"


BODIES = [
    # ------------------------------------------------------------------ 000
    {
        "key": "jm-storage",
        "name_zh": "江门市新型储能产业联盟专家委员会",
        "name_en": "Jiangmen New Energy Storage Industry Alliance Expert Committee",
        "kind": "expert_committee",
        "parent_org_zh": "江门市新型储能产业联盟",
        "parent_org_en": "Jiangmen New Energy Storage Industry Alliance",
        "document_title_zh": JM_TITLE,
        "number_prefixes": [],
        "summary_zh": (
            "在江门市工业和信息化局指导下设立的专家委员会（约20名专家），"
            "为江门市新型储能产业的规划、政策、重大项目提供咨询论证。"
            "门户支持专家自愿报名、秘书处推荐、工信局审核和聘书颁发，"
            "以及每季度工作建议、专家委大会的召开与表决、对外工作报备。"
        ),
        "summary_en": (
            "An expert committee of about 20 members, set up under the guidance "
            "of the Jiangmen Bureau of Industry and Information Technology, that "
            "advises on plans, policies and major projects for Jiangmen's new "
            "energy storage industry. The portal handles voluntary applications, "
            "secretariat recommendation, bureau approval and appointment "
            "certificates. It also handles quarterly proposals, general-assembly "
            "meetings and votes, and the prior reports experts must file before "
            "acting in the committee's name."
        ),
        "runs": ["expert_pool", "council", "meetings"],
        "policy": {
            "term_years": 3,
            "proposals_per_quarter": 1,
            "min_assemblies_per_year": 1,
            "quorum_num": 2,
            "quorum_den": 3,
            "pass_num": 2,
            "pass_den": 3,
        },
        "citations": {
            "term_years": JM_TITLE + "3.4：「专家委任职总人数在20人左右，任职期限为三年」",
            "proposals_per_quarter": JM_TITLE + "3.5：「专家须每季度单独或联合提出1项以上工作设想及建议」",
            "min_assemblies_per_year": JM_TITLE + "4.1：「定期会议每年度至少召开一次」",
            "quorum_num": JM_TITLE + "4.2：「专家委大会需不少于三分之二的专家参加方能召开」",
            "quorum_den": JM_TITLE + "4.2：「专家委大会需不少于三分之二的专家参加方能召开」",
            "pass_num": JM_TITLE + "4.3：「专家委大会决议事项采取一人一票制，需得到不少于到会专家三分之二的票数方能通过生效」",
            "pass_den": JM_TITLE + "4.3：「专家委大会决议事项采取一人一票制，需得到不少于到会专家三分之二的票数方能通过生效」",
        },
    },
    # ------------------------------------------------------------------ 001
    {
        "key": "gd-quality",
        "name_zh": "广东省质量发展智库",
        "name_en": "Guangdong Quality Development Think Tank",
        "kind": "think_tank",
        "parent_org_zh": "广东省质量发展促进会",
        "parent_org_en": "Guangdong Quality Development Promotion Association",
        "document_title_zh": GD_TITLE,
        "number_prefixes": [],
        "summary_zh": (
            "由广东省质量发展促进会管理的质量专家智库，承担质量及质量奖课题研究、"
            "咨询、评估、评价和验收。门户支持公开征集、资格审核与理事会审议、"
            "7个工作日公示及异议处理、入库出库公告、培训考核，以及按1:1比例随机抽取和指定专家。"
        ),
        "summary_en": (
            "A think tank of quality experts, run by the Guangdong Quality "
            "Development Promotion Association, that supports quality research, "
            "consulting, assessment and acceptance work across the province. The "
            "portal runs the open call, office review and board deliberation, the "
            "7-working-day public notice with objections, and admission and exit "
            "announcements. It also covers training, evaluations, 1:1 random "
            "draws and designated experts."
        ),
        "runs": ["expert_pool", "public_notice", "random_draw"],
        "policy": {
            "notice_workdays": 7,
            "objection_decision_workdays": 15,
            "age_limit": 65,
            "draw_ratio_num": 1,
            "draw_ratio_den": 1,
            "unexcused_absences_exit": 2,
            "notice_required_for_admission": True,
        },
        "citations": {
            "notice_workdays": GD_TITLE + "第七条第（四）项：「质促会将拟入库专家名单在其官网予以公示，公示期为7个工作日」",
            "objection_decision_workdays": GD_TITLE + "第七条第（四）项：「在异议受理之日起15个工作日内做出处理决定，并书面告知异议申请人和专家本人」",
            "age_limit": GD_TITLE + "第六条第（五）项：「年龄一般不超过65周岁」",
            "draw_ratio_num": GD_TITLE + "第十七条：「按1:1的比例从智库中随机抽取专家」",
            "draw_ratio_den": GD_TITLE + "第十七条：「按1:1的比例从智库中随机抽取专家」",
            "unexcused_absences_exit": GD_TITLE + "第八条第（六）项：「接受邀请后无故缺席活动两次或以上的」",
            "notice_required_for_admission": GD_TITLE + "第七条第（五）项：「经公示无异议的专家由质促会批准入库并在其官网上予以公告」",
        },
    },
    # ------------------------------------------------------------------ 002
    {
        "key": "xx-random",
        "name_zh": "新县工业和信息化局“双随机、一公开”抽查检查人员专家库",
        "name_en": (
            "Xin County Bureau of Industry and Information Technology "
            "\"Double Random, One Public\" Inspection Expert Pool"
        ),
        "kind": "inspection_pool",
        "parent_org_zh": "新县工业和信息化局",
        "parent_org_en": "Xin County Bureau of Industry and Information Technology",
        "document_title_zh": XX_TITLE,
        "number_prefixes": [],
        "summary_zh": (
            "新县工信局“双随机、一公开”抽查检查所用的专家库。门户支持公开征集与邀请入库、"
            "所在单位真实性审核、公示、电子证书和三年聘期、每年补充征集、"
            "在纪委线上监督下的随机抽取（含自动补抽、轮换和回避），以及专家评价与出库。"
        ),
        "summary_en": (
            "The expert pool that the Xin County Bureau of Industry and "
            "Information Technology draws on for its \"double random, one public\" "
            "spot inspections. The portal runs the open call and invitations, "
            "employer verification, the public notice, e-certificates and "
            "three-year appointments, and the yearly reopening of applications. "
            "It also runs online random draws watched by the discipline office, "
            "with automatic replacement, rotation and recusal, plus ratings and "
            "exits."
        ),
        "runs": ["expert_pool", "public_notice", "random_draw"],
        "policy": {
            "notice_workdays": 5,
            "term_years": 3,
            "age_limit": 65,
            "rotation_consecutive_draws": 2,
            "unanswered_invitations_exit": 3,
            "poor_ratings_exit": 2,
            "change_report_workdays": 10,
            "unit_verification_required": True,
            "notice_required_for_admission": True,
            "annual_enrolment": True,
        },
        "citations": {
            "notice_workdays": XX_TITLE + "第七条第（四）项：「接受社会监督，公示期不少于5个工作日」",
            "term_years": XX_TITLE + "第七条第（五）项：「聘用期为三年」",
            "age_limit": XX_TITLE + "第五条第（五）项：「年龄一般不超过 65 岁，两院院士或有特殊需求的专家不受此年龄限制」",
            "rotation_consecutive_draws": XX_TITLE + "第十四条：「同一专家被连续选中两次后，在下轮抽取活动中自动轮空」",
            "unanswered_invitations_exit": XX_TITLE + "第九条第（六）项：「连续三次未在规定时间内回复工作邀请或无正当理由拒不承担有关工作的」",
            "poor_ratings_exit": XX_TITLE + "第九条第（一）项：「同一聘期内评价结果两次被评价为差的」",
            "change_report_workdays": XX_TITLE + "第十一条第（六）项：「应在 10 个工作日内向专家库办公室报备」",
            "unit_verification_required": XX_TITLE + "第七条第（二）项：「经所在单位真实性审核后推荐提交」",
            "notice_required_for_admission": XX_TITLE + "第七条第（五）项：「对公示无异议的专家，专家办公室准予入库」",
            "annual_enrolment": XX_TITLE + "第八条：「专家库办公室每年开放申报系统，面向社会补充征集专家」",
        },
    },
    # ------------------------------------------------------------------ 003
    {
        "key": "cz-nev",
        "name_zh": "池州市贵池区新能源汽车产业集群建设工作领导小组",
        "name_en": (
            "Guichi District (Chizhou) New Energy Vehicle Industry Cluster "
            "Development Leading Group"
        ),
        "kind": "leading_group",
        "parent_org_zh": "中共池州市贵池区委、池州市贵池区人民政府",
        "parent_org_en": (
            "CPC Guichi District Committee and Guichi District People's "
            "Government, Chizhou"
        ),
        "document_title_zh": CZ_TITLE,
        "number_prefixes": ["贵汽组", "贵汽办"],
        "summary_zh": (
            "区委、区政府设立的新能源汽车产业集群建设议事协调机构，办公室设在区经济和信息化局，"
            "下设5个专项工作组。门户支持全体会议和专题会议、办公室例会与调度会、"
            "会议纪要签发、交办单跟踪、定期调度报告，以及“贵汽组”“贵汽办”发文登记和用印审批。"
        ),
        "summary_en": (
            "The district's coordinating body for building its new energy vehicle "
            "industry cluster. It answers to the district Party committee and "
            "government, and its office, with five special working groups, sits in "
            "the district Bureau of Economy and Information Technology. The portal "
            "handles plenary, special and office meetings, minutes signed by the "
            "convener, tasks handed to departments and tracked to completion, and "
            "regular progress reports. It also keeps the document register "
            "(prefixes 贵汽组 / 贵汽办) and handles seal-use approvals."
        ),
        "runs": ["council", "meetings", "tasks"],
        "policy": {
            "min_assemblies_per_year": 1,
        },
        "citations": {
            "min_assemblies_per_year": CZ_TITLE + "第十二条第（一）项：「原则上每年至少召开一次,也可根据需要临时召开」",
        },
    },
    # ------------------------------------------------------------------ 004
    {
        "key": "jx-base",
        "name_zh": "国家技术标准创新基地（江西绿色生态）",
        "name_en": "National Technical Standard Innovation Base of Jiangxi Green Ecology Brand",
        "kind": "innovation_council",
        "parent_org_zh": "江西省质量和标准化研究院",
        "parent_org_en": "Jiangxi Institute of Quality and Standardization",
        "document_title_zh": JX_TITLE,
        "number_prefixes": ["赣标创发"],
        "summary_zh": (
            "由江西省质量和标准化研究院承担、实行理事会领导下主任负责制的国家技术标准创新基地。"
            "门户支持理事会成员单位与理事长、副理事长、秘书长任职、会议议题、法定人数和表决、"
            "决议公开，以及创新项目立项公示、实施、结题和制度文件征求意见。"
        ),
        "summary_en": (
            "A national technical standards innovation base hosted by the Jiangxi "
            "Institute of Quality and Standardization and run by a council of "
            "member units, with a director who answers to that council. The portal "
            "handles council membership and officer terms, agendas, quorum and "
            "votes, and published resolutions. It also runs innovation projects "
            "from application and public notice through to closing, and comment "
            "rounds on draft rules."
        ),
        "runs": ["public_notice", "council", "meetings", "projects", "comment_rounds"],
        "policy": {
            "term_years": 3,
            "leader_age_limit": 70,
            "quorum_num": 2,
            "quorum_den": 3,
            "min_vice_chairs_present": 3,
            "pass_num": 2,
            "pass_den": 3,
            "major_pass_num": 2,
            "major_pass_den": 3,
            "petition_num": 1,
            "petition_den": 3,
            "leaders_max_num": 1,
            "leaders_max_den": 3,
            "agenda_lead_workdays": 5,
            "min_assemblies_per_year": 1,
            "written_vote_allowed": True,
            "member_absence_exit_years": 1,
            "poor_performance_exit_years": 2,
        },
        "citations": {
            "term_years": JX_TITLE + "第七条：「理事会每届任期三年，期限届满，可连选连任」",
            "leader_age_limit": JX_TITLE + "第十五条第（三）项：「身体健康，能够正常工作，任职年龄不超过70周岁」",
            "quorum_num": JX_TITLE + "第二十二条：「理事会全体成员大会应有2/3以上理事和3名及以上副理事长出席方能召开」",
            "quorum_den": JX_TITLE + "第二十二条：「理事会全体成员大会应有2/3以上理事和3名及以上副理事长出席方能召开」",
            "min_vice_chairs_present": JX_TITLE + "第二十二条：「应有2/3以上理事和3名及以上副理事长出席方能召开」",
            "pass_num": JX_TITLE + "第二十二条：「其决议应经到会理事2/3以上表决通过方能生效」",
            "pass_den": JX_TITLE + "第二十二条：「其决议应经到会理事2/3以上表决通过方能生效」",
            "major_pass_num": JX_TITLE + "第二十三条：「重大事项的决策需经全体理事2/3以上表决通过」",
            "major_pass_den": JX_TITLE + "第二十三条：「重大事项的决策需经全体理事2/3以上表决通过」",
            "petition_num": JX_TITLE + "第二十条：「经理事会或1/3以上理事单位提议，可召开临时会议」",
            "petition_den": JX_TITLE + "第二十条：「经理事会或1/3以上理事单位提议，可召开临时会议」",
            "leaders_max_num": JX_MGMT_TITLE + "第七条：「负责人总数不超过理事单位数的1/3」",
            "leaders_max_den": JX_MGMT_TITLE + "第七条：「负责人总数不超过理事单位数的1/3」",
            "agenda_lead_workdays": JX_TITLE + "第二十一条：「需提前五个工作日提交议题内容和相关资料，并报秘书处备案」",
            "min_assemblies_per_year": JX_TITLE + "第十八条：「理事会原则上每年至少召开一次全体会议（理事大会）」",
            "written_vote_allowed": JX_TITLE + "第二十二条：「如遇特殊情况，经理事长批准，相关议题也可采取书面表决或线上表决的方法」",
            "member_absence_exit_years": JX_TITLE + "第十四条第（一）项：「不履行成员单位职责，一年内未参加理事会任何活 动或连续两年表现较差的」",
            "poor_performance_exit_years": JX_TITLE + "第十四条第（一）项：「一年内未参加理事会任何活 动或连续两年表现较差的」",
        },
    },
]


# --------------------------------------------------------------- self-check

BODY_KEYS = ["jm-storage", "gd-quality", "xx-random", "cz-nev", "jx-base"]

KINDS = {"expert_committee", "think_tank", "inspection_pool", "leading_group", "innovation_council"}

RUNS = {
    "expert_pool", "public_notice", "random_draw", "council",
    "meetings", "projects", "comment_rounds", "tasks",
}

# Allowed policy fields and the type each one takes.
POLICY_FIELDS = {
    "notice_workdays": int,
    "count_publication_day": bool,
    "objection_decision_workdays": int,
    "term_years": int,
    "renewal_skips_notice": bool,
    "age_limit": (int, type(None)),
    "leader_age_limit": (int, type(None)),
    "draw_ratio_num": int, "draw_ratio_den": int,
    "rotation_consecutive_draws": int,
    "invitation_reply_hours": int,
    "unanswered_invitations_exit": int,
    "poor_ratings_exit": int,
    "unexcused_absences_exit": int,
    "quorum_num": int, "quorum_den": int,
    "min_vice_chairs_present": int,
    "pass_num": int, "pass_den": int,
    "major_pass_num": int, "major_pass_den": int,
    "petition_num": int, "petition_den": int,
    "leaders_max_num": int, "leaders_max_den": int,
    "agenda_lead_workdays": int,
    "change_report_workdays": int,
    "proposals_per_quarter": int,
    "min_assemblies_per_year": int,
    "unit_verification_required": bool,
    "notice_required_for_admission": bool,
    "annual_enrolment": bool,
    "written_vote_allowed": bool,
    "member_absence_exit_years": int,
    "poor_performance_exit_years": int,
}

FRACTIONS = ["draw_ratio", "quorum", "pass", "major_pass", "petition", "leaders_max"]

BODY_FIELDS = {
    "key", "name_zh", "name_en", "kind", "parent_org_zh", "parent_org_en",
    "document_title_zh", "number_prefixes", "summary_zh", "summary_en",
    "runs", "policy", "citations",
}

SPAM_MARKERS = ("澳门", "皇冠", "竞彩", "娱乐平台", "体育_")


def validate():
    assert [b["key"] for b in BODIES] == BODY_KEYS, "bodies missing or out of order"
    for b in BODIES:
        k = b["key"]
        assert set(b) == BODY_FIELDS, (k, set(b) ^ BODY_FIELDS)
        assert b["kind"] in KINDS, (k, b["kind"])
        assert b["runs"] and set(b["runs"]) <= RUNS, (k, b["runs"])
        assert b["document_title_zh"].startswith("《") and b["document_title_zh"].endswith("》"), k
        assert all(isinstance(p, str) and p for p in b["number_prefixes"]), k
        for f in ("name_zh", "name_en", "parent_org_zh", "parent_org_en", "summary_zh", "summary_en"):
            assert isinstance(b[f], str) and b[f].strip(), (k, f)

        policy, cites = b["policy"], b["citations"]
        for field, value in policy.items():
            assert field in POLICY_FIELDS, (k, "unknown policy field", field)
            t = POLICY_FIELDS[field]
            ok_type = isinstance(value, t)
            if t is int or (isinstance(t, tuple) and bool not in t):
                ok_type = ok_type and not isinstance(value, bool)
            assert ok_type, (k, field, value)
            if isinstance(value, int) and not isinstance(value, bool):
                assert value >= 0, (k, field, value)
            # every policy field needs a citation: clause number plus a short verbatim quote
            c = cites.get(field)
            assert isinstance(c, str) and c.startswith("《") and "》" in c, (k, "no citation", field)
            if "「" in c:
                quote = c[c.index("「") + 1:c.rindex("」")]
                assert 0 < len(quote) <= 60, (k, field, len(quote))
        assert set(cites) <= set(policy), (k, "citation without policy value", set(cites) - set(policy))

        for frac in FRACTIONS:
            num, den = policy.get(frac + "_num"), policy.get(frac + "_den")
            assert (num is None) == (den is None), (k, frac, "num/den must come together")
            if num is not None:
                assert 0 < num <= den, (k, frac, num, den)

        blob = repr(b)
        for marker in SPAM_MARKERS:
            assert marker not in blob, (k, "spam text leaked", marker)
    return True


if __name__ == "__main__":
    validate()
    print("seed_bodies: %d bodies OK" % len(BODIES))
