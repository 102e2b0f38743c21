"""Demo data of the councils, made through the services (so audit trails, numbering, frozen
rosters, tallies and the minutes' hash are real). Called by `portal.demo.seed_demo` after the
bodies and the demo accounts exist. Idempotent: a body that already has a council is left alone.

jx-base: a council with a chair, five vice-chairs and a secretary-general (individual seats) and
21 member units (the leaders stay within 1/3 of the units), each with a representative and a
substitute; member@demo.quorum.cn represents one unit. jm-storage: an expert committee (chair,
secretary-general, ten members; member@demo.quorum.cn among them). Each council has a past
meeting with timestamped attendance (a late arrival, an early departure), closed votes and
signed, distributed minutes, and an upcoming meeting open for agenda items.

Every demo person signs in with the demo password; their addresses are listed by
`council_accounts()` (e.g. jx-chair@demo.quorum.cn)."""
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import Body, User
from portal.workdays import TZ

from .models import Council, Meeting, Seat
from .services import attendance, meetings, membership, minutes, votes

JX_LEADERS = [
    ("jx-chair", "理事长 张国华", Seat.Role.CHAIR),
    ("jx-vice1", "副理事长 李建平", Seat.Role.VICE_CHAIR),
    ("jx-vice2", "副理事长 王丽萍", Seat.Role.VICE_CHAIR),
    ("jx-vice3", "副理事长 刘志强", Seat.Role.VICE_CHAIR),
    ("jx-vice4", "副理事长 陈晓燕", Seat.Role.VICE_CHAIR),
    ("jx-vice5", "副理事长 杨帆", Seat.Role.VICE_CHAIR),
    ("jx-sg", "秘书长 周敏", Seat.Role.SECRETARY_GENERAL),
]

JX_UNITS = [
    "江西省标准化研究院", "南昌大学", "江西农业大学", "江西师范大学", "江西省林业科学院", "江西省生态环境科学研究与规划院",
    "江西铜业集团有限公司", "江西省水利科学院", "江西省产品质量监督检测院", "赣州市标准化研究中心",
    "九江市市场监督管理局技术中心", "江西洪城水业股份有限公司", "晶科能源股份有限公司", "江西省建筑设计研究总院",
    "江西绿色生态认证中心", "景德镇陶瓷大学", "江西理工大学", "东华理工大学", "江西省计量测试研究院",
    "江西赣粤高速公路股份有限公司", "江西省农业科学院",
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚",
         "桂英", "建华", "文", "斌"]

JM_PEOPLE = [
    ("jm-chair", "主任委员 梁振华", Seat.Role.CHAIR),
    ("jm-sg", "秘书长 谭小兰", Seat.Role.SECRETARY_GENERAL),
] + [(f"jm-member{i:02d}", f"委员 {SURNAMES[i + 5]}{GIVEN[i + 3]}", Seat.Role.MEMBER) for i in range(1, 10)]


def _person_name(i, sub=False):
    return f"{'候补代表' if sub else '代表'} {SURNAMES[i % len(SURNAMES)]}{GIVEN[(i * 7 + (3 if sub else 0)) % len(GIVEN)]}"


def _accounts(specs):
    """Create the demo people in one go (one password hash shared by all: fast and idempotent)."""
    hashed = make_password(DEMO_PASSWORD)
    emails = [demo_email(local) for local, _name in specs]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    new = [User(email=demo_email(local), name=name, password=hashed, email_verified=True, mobile=None)
           for local, name in specs if demo_email(local) not in existing]
    User.objects.bulk_create(new)
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    return {local: users[demo_email(local)] for local, _name in specs}


def _at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def council_accounts():
    """(local part, name) of every demo council person."""
    specs = [(local, name) for local, name, _role in JX_LEADERS]
    for i, _unit in enumerate(JX_UNITS, start=1):
        if i != 1:
            specs.append((f"jx-unit{i:02d}", _person_name(i)))
        specs.append((f"jx-unit{i:02d}-sub", _person_name(i, sub=True)))
    specs += [(local, name) for local, name, _role in JM_PEOPLE]
    return specs


@transaction.atomic
def seed_councils_demo(*, now=None):
    now = now or timezone.now()
    if Council.objects.filter(body__key__in=["jx-base", "jm-storage"]).exists():
        return
    people = _accounts(council_accounts())
    member = User.objects.get(email=demo_email("member"))
    _seed_jx_base(people, member, now)
    _seed_jm_storage(people, member, now)


# --------------------------------------------------------------------------- jx-base

def _seed_jx_base(people, member, now):
    body = Body.objects.select_related("policy").get(key="jx-base")
    sec = User.objects.get(email=demo_email("sec-jx-base"))
    today = timezone.localdate(now)
    term_start = today.replace(month=1, day=1) if today.month > 3 else today.replace(year=today.year - 1, month=1, day=1)
    council = membership.create_council(body, actor=sec, name_zh="国家技术标准创新基地（江西绿色生态）理事会",
                                        name_en="Council of the National Technical Standards Innovation Base (Jiangxi)",
                                        kind=Council.Kind.COUNCIL, number_prefix="赣创理决", now=now)
    for i, name in enumerate(JX_UNITS, start=1):
        unit = membership.admit_unit(council, actor=sec, name=name, joined_on=term_start,
                                     contact_name=_person_name(i), contact_phone=f"0791-8{i:03d}{i:04d}"[:13], now=now)
        rep = member if i == 1 else people[f"jx-unit{i:02d}"]
        membership.appoint_seat(council, actor=sec, role=Seat.Role.MEMBER, unit=unit, representative=rep,
                                substitute=people[f"jx-unit{i:02d}-sub"], term_start=term_start, now=now)
    for local, _name, role in JX_LEADERS:
        membership.appoint_seat(council, actor=sec, role=role, holder=people[local], term_start=term_start, now=now)
    chair = people["jx-chair"]
    seats = {s.pk: s for s in council.seats.select_related("unit")}

    # the past plenary: 4 weeks ago, 09:00–11:30
    day = today - timedelta(days=28)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    start = _at(day, 9)
    past = meetings.create_meeting(council, actor=sec, title=f"{day.year}年第一次理事会全体会议", starts_at=start,
                                   ends_at=_at(day, 11, 30), convener=chair, kind=Meeting.Kind.PLENARY,
                                   place="南昌市红谷滩区创新基地会议中心", now=start - timedelta(days=20))
    meetings.notify_meeting(past, actor=sec, now=start - timedelta(days=20))
    meetings.propose_agenda_item(past, actor=sec, title="审议基地年度工作报告", now=start - timedelta(days=19))
    meetings.propose_agenda_item(past, actor=sec, title="审议《绿色生态标准体系建设三年行动计划》",
                                 now=start - timedelta(days=18))
    # 26 of 28 seats check in from 08:40 (one unit by its substitute); one unit arrives late at 10:10,
    # another leaves early at 10:30; one stays away
    ordered = sorted(seats.values(), key=lambda s: s.pk)
    present = ordered[:3] + ordered[4:8] + ordered[9:21] + ordered[21:]  # units 4 and 9 absent
    for n, seat in enumerate(present):
        at = start - timedelta(minutes=20) + timedelta(minutes=n)
        who = seat.holder or (seat.substitute if n == 5 else seat.representative)
        attendance.check_in(past, seat, actor=sec, attendee=who, now=at)
    meetings.start_meeting(past, actor=sec, now=start)
    late = ordered[3]
    attendance.check_in(past, late, actor=sec, attendee=late.representative, now=_at(day, 10, 10))
    attendance.check_out(past, ordered[10], actor=sec, now=_at(day, 10, 30))

    report = votes.create_motion(council, actor=sec, meeting=past, title="关于审议通过基地2025年度工作报告的决议",
                                 text="审议通过基地2025年度工作报告。", kind="ordinary", public=True,
                                 now=start + timedelta(minutes=20))
    votes.open_motion(report, actor=chair, now=start + timedelta(minutes=25))
    report.refresh_from_db()
    _vote_all(report, seats, yes_share=(20, 1, 4), at=start + timedelta(minutes=27))
    votes.close_motion(report, actor=chair, now=start + timedelta(minutes=40))

    plan = votes.create_motion(council, actor=sec, meeting=past, title="关于《绿色生态标准体系建设三年行动计划》的决议",
                               text="同意《绿色生态标准体系建设三年行动计划（2026—2028年）》，由秘书处组织实施。",
                               kind="major", public=True, now=_at(day, 10, 15))
    votes.open_motion(plan, actor=chair, now=_at(day, 10, 20))
    plan.refresh_from_db()
    _vote_all(plan, seats, yes_share=(21, 2, 1), at=_at(day, 10, 22))
    votes.close_motion(plan, actor=chair, now=_at(day, 10, 40))
    meetings.close_meeting(past, actor=sec, now=_at(day, 11, 20))
    _minutes(past, sec, chair, "会议听取并审议了基地年度工作报告和三年行动计划，形成决议如下。", _at(day, 15))

    # the upcoming plenary: agenda items are open until 5 working days before
    _upcoming(council, sec, chair, today, "第二次理事会全体会议", "南昌市红谷滩区创新基地会议中心", now,
              proposer=member)


def _vote_all(motion, seats, *, yes_share, at):
    """Every seat on the frozen roster votes: `yes_share` = (yes, no, abstain) counts in roster order."""
    yes, no, _abstain = yes_share
    for n, entry in enumerate(motion.roster):
        seat = seats[entry["seat"]]
        voter = User.objects.get(pk=entry["voters"][0]) if not seat.unit_id else (
            seat.representative if seat.representative_id in entry["voters"] else seat.substitute)
        choice = "yes" if n < yes else ("no" if n < yes + no else "abstain")
        votes.cast_ballot(motion, seat, actor=voter, choice=choice, now=at + timedelta(seconds=10 * n))


def _minutes(meeting, sec, convener, text, at):
    m = minutes.draft_minutes(meeting, actor=sec, text=text, now=at)
    minutes.submit_minutes(m, actor=sec, now=at + timedelta(hours=1))
    minutes.sign_minutes(m, actor=convener, now=at + timedelta(days=1))
    minutes.distribute_minutes(m, actor=sec, now=at + timedelta(days=1, hours=1))


def _upcoming(council, sec, chair, today, title, place, now, *, proposer=None):
    day = today + timedelta(days=21)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    meeting = meetings.create_meeting(council, actor=sec, title=f"{day.year}年{title}", starts_at=_at(day, 9),
                                      ends_at=_at(day, 11, 30), convener=chair, place=place, now=now)
    meetings.notify_meeting(meeting, actor=sec, now=now)
    meetings.propose_agenda_item(meeting, actor=sec, title="审议新成员单位入会申请", now=now)
    if proposer is not None:
        meetings.propose_agenda_item(meeting, actor=proposer, title="关于设立绿色低碳标准专业工作组的提议",
                                     description="建议设立专业工作组，统筹低碳标准研制。", now=now)
    return meeting


# --------------------------------------------------------------------------- jm-storage

def _seed_jm_storage(people, member, now):
    body = Body.objects.select_related("policy").get(key="jm-storage")
    sec = User.objects.get(email=demo_email("sec-jm-storage"))
    today = timezone.localdate(now)
    term_start = today.replace(year=today.year - 1, month=6, day=1)
    council = membership.create_council(body, actor=sec, name_zh="江门市新型储能产业联盟专家委员会",
                                        name_en="Expert Committee of the Jiangmen New Energy Storage Alliance",
                                        kind=Council.Kind.COMMITTEE, number_prefix="江储专决", now=now)
    for local, _name, role in JM_PEOPLE:
        membership.appoint_seat(council, actor=sec, role=role, holder=people[local], term_start=term_start, now=now)
    membership.appoint_seat(council, actor=sec, role=Seat.Role.MEMBER, holder=member, term_start=term_start, now=now)
    chair = people["jm-chair"]
    seats = {s.pk: s for s in council.seats.select_related("unit")}

    day = today - timedelta(days=42)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    start = _at(day, 14, 30)
    past = meetings.create_meeting(council, actor=sec, title=f"{day.year}年专家委员会年度大会", starts_at=start,
                                   ends_at=_at(day, 17), convener=chair, kind=Meeting.Kind.PLENARY,
                                   mode=Meeting.Mode.HYBRID, place="江门市蓬江区储能产业园报告厅",
                                   online_url="https://meeting.example.cn/jm-storage", now=start - timedelta(days=14))
    meetings.notify_meeting(past, actor=sec, now=start - timedelta(days=14))
    meetings.propose_agenda_item(past, actor=sec, title="审议储能电站安全评估技术规范（征求意见稿）",
                                 now=start - timedelta(days=13))
    ordered = sorted(seats.values(), key=lambda s: s.pk)
    for n, seat in enumerate(ordered[:10]):
        attendance.check_in(past, seat, actor=sec, attendee=seat.holder, now=start - timedelta(minutes=15 - n))
    meetings.start_meeting(past, actor=sec, now=start)
    motion = votes.create_motion(council, actor=sec, meeting=past, title="关于发布《储能电站安全评估技术规范》团体标准的决议",
                                 text="同意以联盟名义发布该团体标准。", kind="ordinary", public=True,
                                 now=start + timedelta(minutes=30))
    votes.open_motion(motion, actor=chair, now=start + timedelta(minutes=35))
    motion.refresh_from_db()
    _vote_all(motion, seats, yes_share=(8, 1, 1), at=start + timedelta(minutes=36))
    votes.close_motion(motion, actor=chair, now=start + timedelta(minutes=50))
    meetings.close_meeting(past, actor=sec, now=_at(day, 16, 40))
    _minutes(past, sec, chair, "会议审议了储能电站安全评估技术规范，同意发布。", _at(day, 18))
    _upcoming(council, sec, chair, today, "专家委员会第二次会议", "江门市蓬江区储能产业园报告厅", now)
