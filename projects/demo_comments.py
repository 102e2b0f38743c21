"""Demo comment rounds of jx-base (idempotent): the seed's own 征求意见 letter (赣标创发〔2024〕2号,
closed, every comment dispositioned) and an open public round on the council charter."""
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from portal import workdays
from portal.models import Body, User

from .models import Comment, CommentRound
from .services import comments as services

DRAFT_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")
CLOSED_TITLE = "国家技术标准创新基地（江西绿色生态）管理办法（征求意见稿）"
CLOSED_NUMBER = "赣标创发〔2024〕2号"
OPEN_TITLE = "国家技术标准创新基地（江西绿色生态）理事会章程（征求意见稿）"
UNIT_EMAIL = "office@jxnky.demo.quorum.cn"

# (clause, content, proposed change, reason, disposition, disposition reason)
CLOSED_COMMENTS = [
    ("第七条", "负责人总数不超过理事单位数的1/3，建议明确计算时点。", "改为“以理事会成员大会召开时的理事单位数计算”。",
     "理事单位数会随加入和退出变化。", Comment.Disposition.ADOPTED, ""),
    ("第十条（四）", "项目立项公示的期限未作规定。", "增加“公示期不少于5个工作日”。", "便于其他单位申请加入。",
     Comment.Disposition.PARTLY, "公示期由创新基地办公室按项目类型确定，已在实施细则中规定。"),
    ("第十二条（一）", "建议结题报告须经专家评审。", "", "", Comment.Disposition.REJECTED,
     "结题审议已由创新基地办公室组织，必要时邀请专家，不作统一要求。"),
]


def _at(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=workdays.TZ)


@transaction.atomic
def seed_comments_demo():
    body = Body.objects.filter(key="jx-base").select_related("policy").first()
    staff = User.objects.filter(email="sec-jx-base@demo.quorum.cn").first()
    member = User.objects.filter(email="member@demo.quorum.cn").first()
    if body is None or staff is None or member is None:
        return []
    rounds = []
    rnd = CommentRound.objects.filter(body=body, number=CLOSED_NUMBER).first()
    if rnd is None:
        rnd = services.open_round(
            body, actor=staff, title=CLOSED_TITLE, number=CLOSED_NUMBER, workdays_count=3,
            description="现征求贵单位意见，请于2024年12月27日前反馈具体修改意见建议。",
            draft=ContentFile(DRAFT_PDF, name="管理办法（征求意见稿）.pdf"), users=[member],
            emails=[(UNIT_EMAIL, "江西省农业科学院")], now=_at(2024, 12, 24, 9))
        for i, (clause, content, change, reason, disp, why) in enumerate(CLOSED_COMMENTS):
            c = services.submit_comment(rnd, actor=member, clause=clause, content=content, proposed_change=change,
                                        reason=reason, name=member.name, unit="江西省质量和标准化研究院",
                                        now=_at(2024, 12, 25, 10, i))
            services.dispose_comment(c, actor=staff, disposition=disp, reason=why, now=_at(2024, 12, 30, 15, i))
        services.close_round(rnd, now=_at(2024, 12, 28, 0, 10))
    rounds.append(rnd)
    open_rnd = CommentRound.objects.filter(body=body, title=OPEN_TITLE).first()
    if open_rnd is None:
        now = timezone.now()
        open_rnd = services.open_round(
            body, actor=staff, title=OPEN_TITLE, workdays_count=10, is_public=True, users=[member],
            description="欢迎成员单位和社会各界提出意见。",
            draft=ContentFile(DRAFT_PDF, name="理事会章程（征求意见稿）.pdf"), now=now)
        services.submit_comment(open_rnd, actor=member, clause="第七条", content="建议明确理事会换届的提前通知期限。",
                                name=member.name, unit="江西省质量和标准化研究院", now=now)
    rounds.append(open_rnd)
    return rounds
