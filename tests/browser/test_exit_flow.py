"""The exit process in a real browser: a computed exit trigger (two unexcused absences) opens a
case in the staff queue; the secretariat records its findings; the expert responds on a phone;
the approver decides the exit; the secretariat sends the written notice and publishes the exit
announcement; an anonymous visitor reads it on /notices/ (public fields only); the expert
downloads the numbered written notice (PDF, rendered to docs/exit-notice.png)."""
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from experts.models import ExitCase, ExitTrigger, Expert, Notice
from experts.services import exits
from portal.demo import DEMO_PASSWORD, demo_email

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def no_serious_axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], (page.url, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious])


@pytest.mark.django_db(transaction=True)
def test_exit_from_trigger_to_public_announcement_and_written_notice(page, live_server, demo, new_context):
    base = live_server.url
    expert = (Expert.objects.select_related("profile", "user").filter(body__key="gd-quality", status=Expert.Status.ACTIVE)
              .order_by("certificate_no").first())  # admitted by the demo through its closed notice
    # the evaluations raised the trigger (two unexcused absences); its commit opens the case (the
    # sweep task finds nothing left to do)
    ExitTrigger.objects.create(expert=expert, kind=ExitTrigger.Kind.UNEXCUSED_ABSENCES,
                               evidence={"count": 2, "threshold": 2, "draws": ["GDZK-2026-007", "GDZK-2026-011"]},
                               raised_at=expert.admitted_at)
    assert exits.open_cases_for_open_triggers() == 0
    case = ExitCase.objects.get(expert=expert)

    # --- 1. the secretariat sees the trigger in the exit queue and records findings -------------
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, demo_email("sec-gd-quality"))
    page.goto(f"{base}/bodies/gd-quality/staff/")
    page.get_by_role("link", name="出库管理").click()
    table = page.get_by_test_id("exit-table")
    expect(table).to_contain_text("无故缺席")
    expect(table).to_contain_text("待核实")
    no_serious_axe_violations(page)
    table.get_by_role("link", name=expert.public_name).click()
    expect(page.get_by_test_id("case-triggers")).to_contain_text("计 2 次（规则：2 次）")
    expect(page.get_by_test_id("case-reason")).to_contain_text("接受邀请后无故缺席活动两次或以上")
    no_serious_axe_violations(page)
    page.get_by_label("核实情况").fill("经核对签到表，该专家接受邀请后两次未到场，均未请假。")
    page.get_by_role("button", name="登记核实情况并告知本人").click()
    expect(page.get_by_text("已登记核实情况并告知专家本人。")).to_be_visible()
    expect(page.get_by_test_id("case-status")).to_have_text("核实中")

    # --- 2. the expert responds on a phone ---------------------------------------------------------
    phone = new_context(viewport=PHONE).new_page()
    sign_in(phone, base, expert.user.email)
    phone.goto(f"{base}/experts/memberships/")
    phone.get_by_role("link", name=re.compile("续聘与退出.*广东省质量发展智库")).click()
    phone.get_by_role("link", name=re.compile("系统提示")).click()
    expect(phone.get_by_test_id("my-case-status")).to_have_text("核实中")
    phone.get_by_role("textbox", name="陈述意见").fill("两次均因临时出差未能到场，今后将提前请假。")
    phone.get_by_role("button", name="提交陈述意见").click()
    expect(phone.get_by_text("已提交陈述意见。")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    no_serious_axe_violations(phone)

    # --- 3. the approver decides the exit ----------------------------------------------------------
    approver = new_context(viewport=DESKTOP).new_page()
    sign_in(approver, base, demo_email("approver"))
    approver.goto(f"{base}/bodies/gd-quality/exits/{case.pk}/")
    expect(approver.get_by_test_id("case-response")).to_contain_text("临时出差")
    form = approver.get_by_test_id("decide-form")
    form.get_by_label("出库", exact=True).check()
    form.get_by_label("出库情形").select_option(label="接受邀请后无故缺席活动两次或以上")
    form.get_by_label("决定理由").fill("无故缺席两次属实，陈述理由不构成正当请假，予以出库。")
    form.get_by_role("button", name="作出决定").click()
    expect(approver.get_by_text("已作出决定。")).to_be_visible()
    expect(approver.get_by_test_id("case-status")).to_have_text("已决定出库，待告知公告")
    assert Expert.objects.get(pk=expert.pk).status == Expert.Status.ACTIVE  # still: notice first

    # --- 4. the secretariat sends the written notice and publishes the announcement ----------------
    page.reload()
    page.get_by_role("button", name="书面告知并发布出库公告").click()
    expect(page.get_by_text("已书面告知专家并发布出库公告。")).to_be_visible()
    expect(page.get_by_test_id("case-status")).to_have_text("已出库")
    case.refresh_from_db()
    assert case.letter_no == "粤质促出库〔2026〕1号" or case.letter_no.startswith("粤质促出库〔")
    expect(page.get_by_test_id("letter-link")).to_contain_text(case.letter_no)
    assert Expert.objects.get(pk=expert.pk).status == Expert.Status.EXITED

    # --- 5. anyone reads the exit announcement on /notices/ ----------------------------------------
    public = new_context(viewport=DESKTOP).new_page()
    public.goto(f"{base}/notices/")
    public.get_by_role("link", name=re.compile("专家出库公告")).first.click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("专家出库公告")
    body_text = public.locator("main").inner_text()
    assert expert.public_name in body_text and "接受邀请后无故缺席活动两次或以上" in body_text
    for private in (expert.profile.id_number, expert.profile.phone, expert.profile.email, "临时出差"):
        assert not private or private not in body_text
    notice = Notice.objects.get(pk=case.notice_id)
    assert notice.kind == Notice.Kind.EXIT
    no_serious_axe_violations(public)
    public.screenshot(path=str(DOCS / "exit-announcement.png"), full_page=True)

    # --- 6. the expert downloads the numbered written notice ---------------------------------------
    phone.goto(f"{base}/experts/exits/{case.pk}/")
    link = phone.get_by_role("link", name="下载出库告知书（PDF）")
    response = phone.request.get(base + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.body())
    text = pdf[0].get_textpage().get_text_range()
    assert case.letter_no in text and "专家出库告知书" in text and expert.public_name in text
    assert expert.profile.id_number not in text
    pdf[0].render(scale=1.5).to_pil().save(DOCS / "exit-notice.png")
    assert (DOCS / "exit-notice.png").stat().st_size > 20_000


@pytest.mark.django_db(transaction=True)
def test_renewal_voluntary_exit_and_enrolment_window(page, live_server, demo, new_context):
    """An expert applies for renewal on a phone; the secretariat forwards, the approver approves, the
    secretariat publishes the renewal notice and the task renews the term with a new certificate.
    Another expert's voluntary exit is confirmed and announced. The xx-random secretariat opens an
    enrolment window that the public announcement and the closed apply page name."""
    from datetime import timedelta

    from django.utils import timezone

    from experts.models import Renewal
    from experts.services import terms

    base = live_server.url
    expert = (Expert.objects.select_related("user").filter(body__key="xx-random", status=Expert.Status.ACTIVE)
              .order_by("certificate_no").first())
    old_no, old_end = expert.certificate_no, expert.term_end

    # --- renewal: the expert applies on a phone -------------------------------------------------------
    phone = new_context(viewport=PHONE).new_page()
    sign_in(phone, base, expert.user.email)
    phone.goto(f"{base}/experts/memberships/{expert.pk}/term/")
    phone.get_by_label("续聘说明").fill("本聘期参加抽查检查 5 次，均评价为优秀。")
    phone.get_by_role("button", name="申请续聘").click()
    expect(phone.get_by_text("已提交续聘申请。")).to_be_visible()
    expect(phone.get_by_test_id("renewal-status").first).to_have_text("已提交")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    no_serious_axe_violations(phone)
    renewal = Renewal.objects.get(expert=expert)

    sec = new_context(viewport=DESKTOP).new_page()
    sign_in(sec, base, demo_email("sec-xx-random"))
    sec.goto(f"{base}/bodies/xx-random/renewals/")
    sec.get_by_test_id("renewal-table").get_by_role("link", name=expert.public_name).click()
    expect(sec.get_by_test_id("eligibility")).to_contain_text("✓")
    no_serious_axe_violations(sec)
    sec.get_by_role("button", name="报送审批").click()
    expect(sec.get_by_test_id("renewal-status")).to_have_text("待审批")

    approver = new_context(viewport=DESKTOP).new_page()
    sign_in(approver, base, demo_email("approver"))
    approver.goto(f"{base}/bodies/xx-random/renewals/{renewal.pk}/")
    approver.get_by_role("button", name="批准续聘").click()
    expect(approver.get_by_test_id("renewal-status")).to_have_text("已批准，待公示")

    sec.reload()
    sec.get_by_role("button", name="发布续聘公示").click()
    expect(sec.get_by_test_id("renewal-status")).to_have_text("公示中")
    renewal.refresh_from_db()
    assert terms.complete_due_renewals(now=renewal.notice.ends_at) == 1
    expert.refresh_from_db()
    assert expert.certificate_no != old_no and expert.term_end > old_end
    phone.goto(f"{base}/experts/memberships/")
    expect(phone.get_by_test_id("memberships")).to_contain_text(expert.certificate_no)

    # --- voluntary exit: the demo's gd-quality request is confirmed and announced -------------------
    gd_sec = new_context(viewport=DESKTOP).new_page()
    sign_in(gd_sec, base, demo_email("sec-gd-quality"))
    gd_sec.goto(f"{base}/bodies/gd-quality/exits/")
    row = gd_sec.get_by_test_id("exit-table").get_by_role("row").filter(has_text="本人申请")
    row.get_by_role("link").click()
    gd_sec.get_by_role("button", name="确认本人退出").click()
    expect(gd_sec.get_by_test_id("case-status")).to_have_text("已决定出库，待告知公告")
    gd_sec.get_by_role("button", name="书面告知并发布出库公告").click()
    expect(gd_sec.get_by_test_id("case-status")).to_have_text("已出库")
    gd_sec.get_by_test_id("announcement-link").click()
    expect(gd_sec.get_by_test_id("notice-text")).to_contain_text("本人书面申请不再担任智库专家")

    # --- enrolment window: opened by staff, announced publicly, named on the closed apply page -----
    from experts.models import Call

    Call.objects.filter(body__key="xx-random").update(is_active=False)  # no all-year call: windows only
    opens = timezone.localtime() + timedelta(days=500)  # never overlaps the demo window (next March)
    sec.goto(f"{base}/bodies/xx-random/enrolment/")
    form = sec.get_by_test_id("window-form")
    form.get_by_label("征集公告标题").fill("新县工信局专家库年度补充征集（测试）")
    form.get_by_label("开始时间").fill(opens.strftime("%Y-%m-%dT09:00"))
    form.get_by_label("截止时间").fill((opens + timedelta(days=30)).strftime("%Y-%m-%dT17:00"))
    form.get_by_role("button", name="发布征集公告").click()
    expect(sec.get_by_role("heading", level=1)).to_have_text("新县工信局专家库年度补充征集（测试）")
    expect(sec.get_by_test_id("window")).to_contain_text("尚未开始")
    applicant = new_context(viewport=PHONE).new_page()
    sign_in(applicant, base, demo_email("applicant"))
    applicant.goto(f"{base}/experts/apply/xx-random/")
    expect(applicant.get_by_role("status")).to_contain_text("下一次征集时间")
    expect(applicant.get_by_role("button", name="开始填写申请")).to_have_count(0)
    applicant.get_by_role("link", name="查看征集公告").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text("新县工信局专家库年度补充征集（测试）")
    no_serious_axe_violations(applicant)
