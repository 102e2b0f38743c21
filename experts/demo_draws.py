"""Demo draws, made through the draw services so that every record is real and verifies
(`experts.draws.fairness.verify_record(build_record(draw))`). Called by
`portal.demo.seed_demo` after the expert-pool demo (experts.demo). Idempotent: a body that
already has its demo draw is left alone.

Each of gd-quality and xx-random gets one completed random draw of 2 experts from its demo
pool: the secretariat opens the request, freezes the pool (the commitment), the demo
supervisor (supervisor@demo.quorum.cn) enters the public random number, the first expert
drawn declines through the signed link, the replacement is drawn automatically from the next
rank, and the others accept. gd-quality's engagement took place last week and has its
attendance and ratings recorded; xx-random's engagement is next month (its panel stays
confidential until then).
"""
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.db import transaction
from django.utils import timezone

from portal.demo import demo_email
from portal.models import Body, User

from .models import Draw, Invitation
from .services import draws, evaluations

PLANS = {
    "gd-quality": {
        "title": "（演示）2026年广东省质量奖申报企业现场评审",
        "purpose": Draw.Purpose.REVIEW,
        "reviewed_unit": "广州市珠江精密仪器有限公司",
        "partner_units": ["广州珠江精密仪器研究所"],
        "place": "广州市天河区珠江精密仪器有限公司会议室",
        "drawn_days_before": 10,  # the draw ran 10 days ago …
        "engagement_offset": -3,  # … for an engagement 3 days ago: evaluated
        "entropy": "07 13 21 28 30 33 + 12",
        "ratings": [("excellent", {"expertise": 5, "attitude": 5, "integrity": 5}, "评审意见专业、具体，按时提交书面报告。"),
                    ("fair", {"expertise": 4, "attitude": 3, "integrity": 5}, "现场评审较为认真，书面意见略显简略。")],
    },
    "xx-random": {
        "title": "（演示）2026年第二季度工业企业安全生产“双随机”检查",
        "purpose": Draw.Purpose.INSPECTION,
        "reviewed_unit": "新县鑫源机械制造有限公司",
        "partner_units": [],
        "place": "新县工业和信息化局三楼会议室",
        "drawn_days_before": 1,  # drawn yesterday …
        "engagement_offset": 30,  # … for an engagement next month
        "entropy": "58213",
        "ratings": [],
    },
}
DECLINE_REASON = "该时段已安排出差，无法参加。"
NEEDED = 2


def _user(local):
    return User.objects.get(email=demo_email(local))


def seed_body(body, plan, *, now):
    """Run one demo draw to completion (see the module docstring). Returns the draw."""
    sec, supervisor = _user(f"sec-{body.key}"), _user("supervisor")
    start = now - timedelta(days=plan["drawn_days_before"])
    day = timezone.localdate(now) + timedelta(days=plan["engagement_offset"])
    step = timedelta(minutes=20)
    data = {
        "purpose": plan["purpose"], "title": plan["title"], "reviewed_unit": plan["reviewed_unit"],
        "partner_units": plan["partner_units"], "project_participants": [], "engagement_start": day,
        "engagement_end": day, "place": plan["place"], "reply_hours": body.policy.invitation_reply_hours,
        "supervisor": supervisor, "needed": NEEDED, "needs_by_field": {}, "min_title_level": "", "regions": [],
        "employer_types": [],
    }
    draw = draws.create_draw(body, actor=sec, data=data, now=start)
    draws.freeze_pool(draw, actor=sec, now=start + step)
    draw.refresh_from_db()
    draws.enter_entropy(draw, actor=supervisor, value=plan["entropy"], source="演示：监督人现场输入",
                        now=start + 2 * step)
    first = Invitation.objects.filter(draw=draw, status=Invitation.Status.INVITED).order_by("rank").first()
    draws.reply(first, actor=first.expert.user, answer="decline", reason=DECLINE_REASON, via="link",
                now=start + 3 * step)
    for i, inv in enumerate(Invitation.objects.filter(draw=draw, status=Invitation.Status.INVITED)
                            .select_related("expert__user").order_by("rank"), start=4):
        draws.reply(inv, actor=inv.expert.user, answer="accept", via="link", now=start + i * step)
    panel = Invitation.objects.filter(draw=draw, status=Invitation.Status.ACCEPTED).order_by("rank")
    for inv, (rating, scores, note) in zip(panel, plan["ratings"]):
        evaluations.record_attendance(inv, actor=sec, attendance=Invitation.Attendance.PRESENT, now=now)
        evaluations.rate(inv, actor=sec, rating=rating, scores=scores, note=note, now=now)
    draw.refresh_from_db()
    return draw


@transaction.atomic
def seed_draws_demo(now=None):
    """Seed the demo draws (see the module docstring). Returns {body key: draw} for the
    bodies seeded by this call (empty when they already exist or a body has no demo pool)."""
    now = (now or timezone.now()).astimezone(dt_timezone.utc)
    made = {}
    for key, plan in PLANS.items():
        body = Body.objects.select_related("policy").filter(key=key).first()
        if body is None or Draw.objects.filter(body=body, title=plan["title"]).exists():
            continue
        made[key] = seed_body(body, plan, now=now)
    return made
