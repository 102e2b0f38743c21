"""A random draw in a real browser, end to end: the xx-random secretariat opens a draw request
and freezes the pool (the commitment is published); the supervisor, in their own session,
enters the public random value and the draw runs 1:1; one invited expert declines through the
signed link (no login) and the replacement is drawn automatically from the next rank; the two
others accept through their links; the panel is complete; the supervisor finds the draw on
/supervision/, downloads the record (which verifies) and the PDF.

Screenshot kept under docs/: draw-record.png (the record PDF rendered with pypdfium2: page 1 on
top, the following page(s) with the panel and the signature lines below it)."""
import re
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from experts.draws.fairness import verify_record
from experts.models import Booking, Draw, Expert, Invitation
from experts.scale import create_experts
from experts.services.invitations import signed_link_token
from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import AuditEvent

DOCS = Path(__file__).resolve().parents[2] / "docs"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
I = Invitation.Status  # noqa: E741

TITLE = "2026年第三季度食品生产企业“双随机”监督检查"
UNIT = "新县甘泉食品有限公司"
PLACE = "新县市场监督管理局二楼会议室"
ENTROPY = "20260917 · 41 07 33"
ENTROPY_SOURCE = "监督人现场掷骰"
DECLINE_REASON = "检查当日已安排赴外地出差，无法参加。"
EXTRA_EXPERTS = 4  # enough for 2 + 1 replacement whatever the demo's draws booked or rotated


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def answer_by_link(context, base_url, invitation, answer, reason=""):
    """The invited expert opens the signed link from the e-mail (no login) and answers."""
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{base_url}/invitations/respond/{signed_link_token(invitation)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("专家抽取邀请")
    expect(page.get_by_role("heading", level=2, name=TITLE)).to_be_visible()
    expect(page.get_by_test_id("engagement")).to_contain_text(PLACE)
    expect(page.get_by_test_id("invitation-status")).to_have_text("已邀请，待答复")
    if reason:
        page.get_by_label("理由").fill(reason)
    page.get_by_role("button", name=answer).click()
    expect(page.get_by_test_id("recorded-answer")).to_be_visible()
    return page


@pytest.mark.django_db(transaction=True)
def test_random_draw_from_request_to_complete_panel_and_verified_record(page, live_server, demo, new_context):
    base = live_server.url
    # Extra active xx-random members: the test never depends on whom the demo's own draw
    # booked (its engagement is next month) or on the rotation after the demo's draws.
    create_experts(EXTRA_EXPERTS, bodies=("xx-random",))
    active = Expert.objects.filter(body__key="xx-random", status=Expert.Status.ACTIVE).count()
    assert active >= 3 + EXTRA_EXPERTS
    day = timezone.localdate() + timedelta(days=14)
    assert not Booking.objects.filter(day=day).exists()
    draws_before = set(Draw.objects.values_list("pk", flat=True))

    # --- 1. the xx-random secretariat opens the draw request ---------------------------------------
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, demo_email("sec-xx-random"))
    page.goto(f"{base}/bodies/xx-random/draws/")
    page.get_by_test_id("draw-new").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建专家抽取")
    form = page.get_by_test_id("draw-form")
    form.get_by_label("用途").select_option("inspection")
    form.get_by_label("事项名称").fill(TITLE)
    form.get_by_label("被检查/评审单位").fill(UNIT)
    form.get_by_label("开始日期").fill(day.isoformat())
    form.get_by_label("结束日期").fill(day.isoformat())
    form.get_by_label("地点").fill(PLACE)
    form.get_by_label("所需专家人数").fill("2")
    form.get_by_label("监督人").select_option(label="纪委监督员 李静")
    page.get_by_role("button", name="保存抽取申请").click()
    expect(page.get_by_text("抽取申请已保存。请核对后冻结专家池。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_test_id("draw-status").first).to_have_text("草稿")
    (draw,) = Draw.objects.exclude(pk__in=draws_before)
    assert (draw.body.key, draw.status, draw.mode) == ("xx-random", Draw.Status.DRAFT, Draw.Mode.RANDOM)
    assert (draw.purpose, draw.reviewed_unit, draw.place, draw.needed) == ("inspection", UNIT, PLACE, 2)
    assert draw.engagement_start == draw.engagement_end == day
    assert draw.operator.email == demo_email("sec-xx-random")
    assert draw.supervisor.email == demo_email("supervisor")
    assert draw.pool_hash == "" and draw.secret_hash == ""

    # --- 2. the secretariat freezes the pool: the commitment hashes show --------------------------
    page.get_by_role("button", name="冻结专家池并公布承诺值").click()
    expect(page.get_by_text("专家池已冻结，承诺值已公布。请监督人输入公开随机数。")).to_be_visible()
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMMITTED
    assert re.fullmatch(r"[0-9a-f]{64}", draw.pool_hash) and re.fullmatch(r"[0-9a-f]{64}", draw.secret_hash)
    assert len(draw.pool) >= 3 + EXTRA_EXPERTS - 2  # at most the demo's two booked experts are out
    commitment = page.get_by_test_id("commitment")
    expect(commitment).to_contain_text(draw.pool_hash)
    expect(commitment).to_contain_text(draw.secret_hash)
    expect(commitment).to_contain_text("抽取后公开")  # the secret itself is not shown yet
    expect(commitment).not_to_contain_text(draw.secret)
    expect(page.get_by_test_id("pool-size")).to_have_text(f"{len(draw.pool)} 人")
    expect(page.get_by_test_id("entropy-form")).to_have_count(0)  # only the supervisor enters it

    # --- 3. the supervisor logs in and enters the public random value: the draw runs ---------------
    sup = new_context(viewport=DESKTOP).new_page()
    sign_in(sup, base, demo_email("supervisor"))
    sup.goto(f"{base}{draw.get_absolute_url()}")
    expect(sup.get_by_test_id("commitment")).to_contain_text(draw.pool_hash)
    entropy_form = sup.get_by_test_id("entropy-form")
    entropy_form.get_by_label("公开随机数").fill(ENTROPY)
    entropy_form.get_by_label("随机数来源").fill(ENTROPY_SOURCE)
    sup.get_by_role("button", name="输入并开始抽取").click()
    expect(sup.get_by_text("已输入公开随机数，抽取完成，邀请已发出。")).to_be_visible()
    draw.refresh_from_db()
    assert draw.status == Draw.Status.INVITING
    assert (draw.entropy, draw.entropy_source, draw.entropy_by.email) == (ENTROPY, ENTROPY_SOURCE,
                                                                           demo_email("supervisor"))
    first_two = list(draw.invitations.select_related("expert").order_by("rank"))
    assert [(i.rank, i.status) for i in first_two] == [(1, I.INVITED), (2, I.INVITED)]
    live = sup.get_by_test_id("draw-live")
    expect(live.get_by_test_id("invitation-row")).to_have_count(2)
    for inv in first_two:  # the supervisor sees the names before the engagement date
        expect(live).to_contain_text(inv.expert.public_name)
    expect(sup.get_by_test_id("commitment")).to_contain_text(draw.secret)  # revealed after the draw
    assert Booking.objects.filter(day=day).count() == 2

    # --- 4. the rank-1 expert declines through the signed link; rank 3 is drawn at once -------------
    anonymous = new_context(viewport=PHONE)
    declined, kept = first_two
    link_page = answer_by_link(anonymous, base, declined, "谢绝邀请", reason=DECLINE_REASON)
    expect(link_page.get_by_text("已谢绝邀请，系统将按抽取顺序自动补抽。")).to_be_visible()
    expect(link_page.get_by_test_id("invitation-status")).to_have_text("已谢绝")
    expect(link_page.get_by_test_id("recorded-answer")).to_contain_text(DECLINE_REASON)
    # the link shows the expert's own engagement only, never the other panel members
    assert kept.expert.public_name not in link_page.locator("body").inner_text()
    declined.refresh_from_db()
    assert (declined.status, declined.reply_channel, declined.reason) == (I.DECLINED, "link", DECLINE_REASON)
    replacement = draw.invitations.exclude(pk__in=[i.pk for i in first_two]).select_related("expert").get()
    assert (replacement.rank, replacement.status) == (3, I.INVITED)
    draw.refresh_from_db()
    assert draw.status == Draw.Status.INVITING
    assert [(p["rank"], p["outcome"]) for p in draw.picks] == [
        (1, "invited"), (2, "invited"), (1, "declined"), (3, "invited")]
    assert sorted(Booking.objects.filter(day=day).values_list("expert_id", flat=True)) == sorted(
        [kept.expert_id, replacement.expert_id])

    page.reload()  # the operator's draw page: the third invitation with the next rank
    rows = page.get_by_test_id("draw-live").get_by_test_id("invitation-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text=declined.expert.public_name)).to_contain_text("已谢绝")
    expect(rows.filter(has_text=declined.expert.public_name)).to_contain_text(DECLINE_REASON)
    expect(rows.filter(has_text=replacement.expert.public_name)).to_contain_text("已邀请，待答复")
    expect(rows.filter(has_text=replacement.expert.public_name).locator("td").first).to_have_text("3")

    # --- 5. the two others accept through their links; the panel is complete -----------------------
    for inv in (kept, replacement):
        accepted_page = answer_by_link(anonymous, base, inv, "接受邀请")
        expect(accepted_page.get_by_text("已接受邀请。请按时参加，谢谢！")).to_be_visible()
        expect(accepted_page.get_by_test_id("invitation-status")).to_have_text("已接受")
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMPLETE and draw.completed_at is not None
    assert sorted(draw.invitations.values_list("rank", "status")) == [
        (1, I.DECLINED), (2, I.ACCEPTED), (3, I.ACCEPTED)]
    page.reload()
    expect(page.get_by_test_id("draw-status").first).to_have_text("专家组已齐")
    expect(page.get_by_test_id("draw-live").get_by_test_id("draw-status")).to_have_text("专家组已齐")
    assert AuditEvent.objects.filter(action="experts.draw.replace", target_id=str(draw.pk)).exists()

    # --- 6. the supervisor sees the draw on /supervision/ and its record ----------------------------
    sup.goto(f"{base}/supervision/")
    row = sup.get_by_test_id("supervision-row").filter(has_text=draw.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("新县")  # the body's name
    expect(row.get_by_test_id("draw-status")).to_have_text("专家组已齐")
    row.get_by_role("link", name=TITLE).click()
    expect(sup).to_have_url(f"{base}{draw.get_absolute_url()}")
    walk = sup.get_by_test_id("draw-walk")
    expect(walk.get_by_role("row")).to_have_count(1 + 4)  # header + invited, invited, declined, invited
    expect(sup.get_by_test_id("draw-audit")).to_contain_text("experts.draw.run")

    response = sup.request.get(f"{base}/draws/{draw.pk}/record.json")
    assert response.status == 200
    record = response.json()
    result = verify_record(record)
    assert result.ok, result.problem
    assert result.selected_ids == [kept.expert_id, replacement.expert_id] == record["panel"]
    assert (record["number"], record["status"], record["entropy"]) == (draw.number, "complete", ENTROPY)
    assert record["secret"] == draw.secret and record["supervisor"] == "纪委监督员 李静"

    # --- 7. the PDF renders (fetched with the supervisor's session) --------------------------------
    sup.goto(f"{base}{draw.get_absolute_url()}")
    pdf_href = sup.get_by_test_id("record-pdf").get_attribute("href")
    response = sup.request.get(base + pdf_href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.body())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    flat = re.sub(r"\s", "", text)
    for expected in ("专家抽取记录", draw.number, TITLE, UNIT, draw.pool_hash, draw.seed,
                     kept.expert.public_name, replacement.expert.public_name,
                     "经办人（签字）", "监督人（签字）"):
        assert re.sub(r"\s", "", expected) in flat, expected
    # the screenshot: page 1 with every further page below it (the signature lines close the record)
    pages = [pdf[i].render(scale=1.5).to_pil() for i in range(len(pdf))]
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
    top = 0
    for rendered in pages:
        sheet.paste(rendered, (0, top))
        top += rendered.height
    DOCS.mkdir(exist_ok=True)
    sheet.save(DOCS / "draw-record.png")
    assert (DOCS / "draw-record.png").stat().st_size > 20_000
