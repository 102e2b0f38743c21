"""A jx-base council meeting in real browsers on a phone viewport (390×844), end to end: the
secretariat's meeting page shows the live quorum indicator in red; members check in by the
meeting's link/QR URL on their phones (a unit representative, then three vice-chairs) and the
indicator on the secretariat's page turns green by itself (htmx polling) once both parts of the
composite rule hold; the chair opens the vote, a member votes with the big buttons (and changes
the ballot), the chair closes it and the result line shows; the secretariat closes the meeting,
drafts and submits the minutes; the convener signs them (confirmation step), they lock with their
hash, and the PDF renders with attendance times, the tally and the signature line.

Screenshots kept under docs/: meeting.png (the meeting page on the phone after the vote: green
quorum indicator, agenda, motion passed, attendance with times) and minutes.png (the signed
minutes' PDF rendered with pypdfium2, every page stacked)."""
import re
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from councils.models import Ballot, Council, Meeting, Minutes, Motion, Seat
from councils.services import attendance, meetings, votes
from portal.demo import DEMO_PASSWORD, demo_email

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
TITLE = "2026年理事会临时全体会议"
MOTION = "关于调整基地年度标准研制计划的决议"


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def axe_serious(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def phone_check_in(new_context, base, email, checkin_url):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, base, email)
    page.goto(checkin_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("会议签到")
    page.get_by_test_id("checkin-button").click()
    expect(page.get_by_text("签到成功。")).to_be_visible()
    expect(page.get_by_test_id("my-present")).to_be_visible()
    return page


@pytest.mark.django_db(transaction=True)
def test_council_meeting_from_check_in_to_signed_minutes_on_a_phone(page, live_server, demo, new_context):
    base = live_server.url
    council = Council.objects.get(body__key="jx-base")
    sec = demo["sec-jx-base"]
    chair = council.seats.get(role=Seat.Role.CHAIR, status="active").holder
    now = timezone.now()
    meeting = meetings.create_meeting(council, actor=sec, title=TITLE, starts_at=now - timedelta(minutes=5),
                                      ends_at=now + timedelta(hours=2), convener=chair, kind=Meeting.Kind.SPECIAL,
                                      place="南昌市红谷滩区创新基地会议中心", ad_hoc=True)
    meetings.notify_meeting(meeting, actor=sec, now=now - timedelta(days=10))
    meetings.start_meeting(meeting, actor=sec)
    motion = votes.create_motion(council, actor=sec, meeting=meeting, title=MOTION, text="同意调整年度标准研制计划。",
                                 kind="ordinary", public=True)
    seats = list(council.seats.filter(status="active").select_related("unit", "holder", "representative")
                 .order_by("pk"))
    units = [s for s in seats if s.unit_id]
    member_seat = next(s for s in units if s.representative.email == demo_email("member"))
    vices = [s for s in seats if s.role == Seat.Role.VICE_CHAIR]
    chair_seat = next(s for s in seats if s.role == Seat.Role.CHAIR)
    sg_seat = next(s for s in seats if s.role == Seat.Role.SECRETARY_GENERAL)
    # already in the room (checked in by the secretariat): the chair, the secretary-general, 15 units
    early = [chair_seat, sg_seat] + [s for s in units if s != member_seat][:15]
    for s in early:
        attendance.check_in(meeting, s, actor=sec, attendee=s.holder or s.representative)
    assert len(seats) == 28

    # --- 1. the secretariat's meeting page on a phone: the quorum indicator is red -------------------
    page.set_viewport_size(PHONE)
    sign_in(page, base, demo_email("sec-jx-base"))
    page.goto(f"{base}{meeting.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    quorum = page.get_by_test_id("quorum")
    expect(quorum).to_have_attribute("data-ok", "false")
    expect(page.get_by_test_id("quorum-verdict")).to_have_text("未达到法定人数")
    expect(page.get_by_test_id("quorum-summary")).to_have_text("出席 17/28，需 19（且副理事长 ≥ 3：到 0）")
    expect(page.get_by_test_id("checkin-qr").locator("svg")).to_be_visible()
    checkin_url = page.get_by_test_id("checkin-qr").get_by_role("link").get_attribute("href")
    assert meeting.checkin_token in checkin_url
    assert axe_serious(page) == []

    # --- 2. members check in on their phones: a unit representative, then three vice-chairs -----------
    member_page = phone_check_in(new_context, base, demo_email("member"), checkin_url.replace("via=link", "via=qr"))
    expect(page.get_by_test_id("quorum-summary")).to_have_text("出席 18/28，需 19（且副理事长 ≥ 3：到 0）",
                                                               timeout=10_000)
    for n, vice in enumerate(vices[:3], start=1):
        phone_check_in(new_context, base, vice.holder.email, checkin_url).context.close()
        if n < 3:
            expect(page.get_by_test_id("quorum")).to_have_attribute("data-ok", "false")
    # the secretariat's page turns green by itself (htmx polls the indicator)
    expect(quorum).to_have_attribute("data-ok", "true", timeout=10_000)
    expect(page.get_by_test_id("quorum-verdict")).to_have_text("已达到法定人数")
    expect(page.get_by_test_id("quorum-summary")).to_have_text("出席 21/28，需 19（且副理事长 ≥ 3：到 3）")
    row = meeting.attendance.get(seat=member_seat)
    assert (row.method, row.attendee.email) == ("qr", demo_email("member"))

    # --- 3. the chair opens the vote on the phone ------------------------------------------------------
    chair_page = new_context(viewport=PHONE).new_page()
    sign_in(chair_page, base, chair.email)
    chair_page.goto(f"{base}{motion.get_absolute_url()}")
    chair_page.get_by_role("button", name="开始表决").click()
    expect(chair_page.get_by_text("表决已开始，表决名册和规则已冻结。")).to_be_visible()
    expect(chair_page.get_by_test_id("tally-needed")).to_have_text("基数：出席 21 人，通过需赞成 14 票")
    motion.refresh_from_db()
    assert (motion.status, motion.present_count, motion.members_count) == (Motion.Status.OPEN, 21, 28)

    # --- 4. members vote: the member with the big buttons (and changes the ballot), the rest by service -
    member_page.goto(f"{base}{motion.get_absolute_url()}")
    ballot = member_page.get_by_test_id("ballot")
    ballot.get_by_role("button", name="反对").click()
    expect(member_page.get_by_test_id("current-ballot")).to_contain_text("反对")
    member_page.get_by_test_id("ballot").get_by_role("button", name="赞成").click()
    expect(member_page.get_by_test_id("current-ballot")).to_contain_text("赞成")
    expect(member_page.get_by_test_id("current-ballot")).to_contain_text("已修改 1 次")
    assert axe_serious(member_page) == []
    others = [s for s in seats if s.pk in {r["seat"] for r in motion.roster} and s != member_seat]
    for n, s in enumerate(others):  # 14 more yes (15 in all), 3 no, 3 abstain
        choice = "yes" if n < 14 else ("no" if n < 17 else "abstain")
        votes.cast_ballot(motion, s, actor=s.holder or s.representative, choice=choice)
    assert Ballot.objects.filter(motion=motion).count() == 21

    # --- 5. the chair closes the vote: the result line ----------------------------------------------
    chair_page.reload()
    expect(chair_page.get_by_test_id("tally-yes")).to_have_text("15", timeout=10_000)
    chair_page.get_by_role("button", name="结束表决并计票").click()
    expect(chair_page.get_by_test_id("result")).to_have_text("通过：赞成 15 票，出席 21 人，需 14 票")
    expect(chair_page.get_by_test_id("resolution")).to_contain_text("赣创理决〔")
    motion.refresh_from_db()
    assert (motion.status, motion.result) == (Motion.Status.CLOSED, Motion.Result.PASSED)

    # the meeting page after the vote (the screenshot)
    page.reload()
    expect(page.get_by_test_id("motions")).to_contain_text("通过")
    expect(page.get_by_test_id("attendance").get_by_test_id("present")).to_have_count(21)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "meeting.png"), full_page=True)
    assert (DOCS / "meeting.png").stat().st_size > 20_000
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # --- 6. the secretariat closes the meeting, drafts and submits the minutes --------------------------
    page.get_by_role("button", name="宣布散会").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("已结束")
    page.get_by_role("button", name="起草会议纪要").click()
    expect(page.get_by_text("已根据会议记录生成纪要草稿")).to_be_visible()
    expect(page.get_by_test_id("minutes-attendance")).to_contain_text(vices[0].holder.name)
    page.get_by_role("button", name="提交召集人签发").click()
    expect(page.get_by_test_id("minutes-status")).to_have_text("审阅中")

    # --- 7. the convener signs (confirmation step): locked with its hash ---------------------------------
    chair_page.goto(f"{base}/meetings/{meeting.pk}/minutes/")
    chair_page.get_by_test_id("minutes-sign").click()
    expect(chair_page.get_by_role("heading", level=1)).to_have_text("签发会议纪要")
    chair_page.get_by_role("button", name="确认签发").click()  # without the confirmation: refused
    expect(chair_page.get_by_role("heading", level=1)).to_have_text("签发会议纪要")
    chair_page.get_by_label(re.compile("我已核对纪要内容")).check()
    chair_page.get_by_role("button", name="确认签发").click()
    expect(chair_page.get_by_text("纪要已签发并锁定。")).to_be_visible()
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == Minutes.Status.SIGNED and minutes.signed_by == chair
    expect(chair_page.get_by_test_id("minutes-hash")).to_have_text(minutes.content_hash)
    assert axe_serious(chair_page) == []

    # --- 8. the PDF renders: attendance times, the tally, the signature ---------------------------------
    href = chair_page.get_by_test_id("minutes-pdf").get_attribute("href")
    response = chair_page.request.get(base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.body())
    text = re.sub(r"\s", "", "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
    first_in = timezone.localtime(meeting.attendance.order_by("checked_in_at").first().checked_in_at)
    for expected in ("会议纪要", TITLE, MOTION, "召集人（签字）：" + chair.name, vices[2].holder.name,
                     first_in.strftime("%H:%M"), minutes.content_hash[:32]):
        assert re.sub(r"\s", "", expected) in text, expected
    assert "通过" in text and "15" in text
    pages = [pdf[i].render(scale=1.5).to_pil() for i in range(len(pdf))]
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
    top = 0
    for rendered in pages:
        sheet.paste(rendered, (0, top))
        top += rendered.height
    sheet.save(DOCS / "minutes.png")
    assert (DOCS / "minutes.png").stat().st_size > 20_000


@pytest.mark.django_db(transaction=True)
def test_council_pages_have_no_serious_accessibility_violations(page, live_server, demo, login):
    council = Council.objects.get(body__key="jx-base")
    past = council.meetings.get(status=Meeting.Status.CLOSED)
    upcoming = council.meetings.get(status=Meeting.Status.NOTIFIED)
    motion = past.motions.first()
    page.set_viewport_size(PHONE)
    for path in ["/councils/", "/resolutions/", f"/resolutions/{motion.resolution.pk}/"]:
        page.goto(live_server.url + path)
        assert axe_serious(page) == [], path
    login(demo_email("member"), DEMO_PASSWORD)
    for path in [f"/councils/{council.pk}/", f"/councils/{council.pk}/meetings/", f"/meetings/{past.pk}/",
                 f"/meetings/{upcoming.pk}/", f"/motions/{motion.pk}/", f"/meetings/{past.pk}/minutes/",
                 f"/councils/{council.pk}/petitions/", f"/councils/{council.pk}/written-votes/",
                 f"/councils/{council.pk}/apply/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert axe_serious(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.context.clear_cookies()
    login(demo_email("sec-jx-base"), DEMO_PASSWORD)
    for path in [f"/councils/{council.pk}/", f"/councils/{council.pk}/seats/new/", f"/councils/{council.pk}/units/new/",
                 f"/councils/{council.pk}/meetings/new/", f"/meetings/{upcoming.pk}/", f"/meetings/{upcoming.pk}/motions/new/",
                 f"/councils/{council.pk}/applications/", f"/meetings/{past.pk}/minutes/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert axe_serious(page) == [], path
    # the motion form shows the election fields only for an election
    page.goto(f"{live_server.url}/meetings/{upcoming.pk}/motions/new/")
    expect(page.get_by_label("应选人数")).to_be_hidden()
    page.get_by_label("议案类型").select_option("election")
    expect(page.get_by_label("应选人数")).to_be_visible()
