"""The expert's self-service in a real browser: a jm-storage expert opens their dashboard from
the navigation, reports a change of employer with proof, submits a joint quarterly proposal
(the co-author gets the credit too), the secretariat acknowledges the change (the profile and
the public snapshot follow) and opens the statistics page, whose SVG charts render with their
data tables. Pages are checked with axe (no serious or critical violations).

Screenshot kept under docs/: stats.png (the statistics page of jm-storage: pool breakdowns,
admissions per month, invitation outcomes and the draw fairness histogram)."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from experts.models import ChangeReport, Expert, Invitation, Proposal
from experts.scale import create_experts
from tests.experts.lifecycle_helpers import PDF, expert_in, invite, make_draw, staff_of

DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "pw-Quorum-123"  # tests.factories.UserFactory
NEW_EMPLOYER = "江门市新型储能技术研究院"


def axe_clean(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


def sign_in(page, base, email):
    page.goto(f"{base}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_expert_reports_a_change_and_a_proposal_and_staff_see_the_statistics(page, live_server, pools, new_context):
    base = live_server.url
    jm = pools["jm-storage"]
    today = timezone.localdate()
    expert = expert_in(jm, term_start=today - timedelta(days=400), term_end=today + timedelta(days=700))
    co_author = expert_in(jm, name="联合提出人甲")
    sec = staff_of(jm)
    # a pool worth charting: scale experts plus a few draws, one expert drawn far more often
    create_experts(40, bodies=("jm-storage",))
    pool = list(Expert.objects.filter(body=jm, status=Expert.Status.ACTIVE).order_by("pk"))
    for i in range(12):
        draw = make_draw(jm, operator=sec, start=today - timedelta(days=30 + i))
        invite(draw, pool[2], status=Invitation.Status.ACCEPTED, rank=1)
        invite(draw, pool[3 + i], status=Invitation.Status.ACCEPTED if i % 3 else Invitation.Status.DECLINED, rank=2)

    # --- 1. the expert reports a change of employer ------------------------------------------
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, expert.user.email)
    page.get_by_test_id("user-menu").click()  # 专家主页 sits in the user menu
    page.get_by_role("link", name="专家主页").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("专家主页")
    axe_clean(page)
    page.get_by_role("link", name="报告信息变更").click()
    page.get_by_label("变更事项").select_option("employer")
    page.get_by_label("变更后的内容").fill(NEW_EMPLOYER)
    page.get_by_label("变更生效日期").fill(today.isoformat())
    page.get_by_label("证明材料").set_input_files({"name": "劳动合同.pdf", "mimeType": "application/pdf",
                                                  "buffer": PDF})
    axe_clean(page)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("变更报告已提交")
    expect(page.get_by_test_id("my-changes")).to_contain_text(NEW_EMPLOYER)
    expect(page.get_by_test_id("my-changes")).to_contain_text("待确认")
    report = ChangeReport.objects.get()
    assert report.is_late is False and report.proof

    # --- 2. … and a joint quarterly proposal -------------------------------------------------
    page.get_by_role("link", name="提交工作建议").first.click()
    page.get_by_label("标题").fill("关于推动用户侧储能示范应用的建议")
    page.get_by_label("建议内容").fill("建议在工业园区开展用户侧储能示范，给予容量补贴。")
    page.get_by_label("联合提出人").select_option(label=f"联合提出人甲（{co_author.public_employer}）")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("my-proposals")).to_contain_text("关于推动用户侧储能示范应用的建议")
    expect(page.get_by_test_id("my-proposals")).to_contain_text("联合提出人甲")
    assert set(Proposal.objects.get().authors.all()) == {expert, co_author}
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="专家主页").first.click()
    expect(page.get_by_test_id("quarter-proposals")).to_contain_text("已提交 1 项")

    # --- 3. the secretariat acknowledges the change and opens the statistics -------------------
    staff_context = new_context()
    staff = staff_context.new_page()
    staff.set_viewport_size({"width": 1280, "height": 900})
    sign_in(staff, base, sec.email)
    staff.goto(f"{base}/bodies/jm-storage/changes/")
    expect(staff.get_by_test_id("change-list")).to_contain_text(NEW_EMPLOYER)
    axe_clean(staff)
    staff.get_by_role("button", name=f"确认并更新 {expert.public_name}").click()
    expect(staff.get_by_role("alert").or_(staff.get_by_role("status")).first).to_contain_text("已确认变更")
    assert Expert.objects.get(pk=expert.pk).public_employer == NEW_EMPLOYER

    staff.goto(f"{base}/bodies/jm-storage/stats/")
    expect(staff.get_by_role("heading", level=1)).to_have_text("专家库统计")
    charts = staff.locator("svg[role=img]")
    expect(charts).to_have_count(10)
    expect(staff.get_by_test_id("chart-fairness").locator("rect").first).to_be_visible()
    expect(staff.get_by_test_id("flagged-experts")).to_contain_text(pool[2].certificate_no)
    expect(staff.get_by_test_id("acceptance-rate")).to_contain_text("%")
    staff.get_by_test_id("chart-titles").get_by_text("按职称等级：数据表").click()
    expect(staff.get_by_test_id("chart-titles").locator("table")).to_be_visible()
    axe_clean(staff)
    DOCS.mkdir(exist_ok=True)
    staff.screenshot(path=str(DOCS / "stats.png"), full_page=True)
    with staff.expect_download() as download:
        staff.get_by_role("link", name="导出专家明细（Excel）").click()
    assert download.value.suggested_filename.startswith("experts-jm-storage-")
    staff_context.close()


@pytest.mark.django_db(transaction=True)
def test_activity_pages_are_accessible_and_fit_a_phone(page, live_server, pools, new_context):
    """Staff pages of the activity (changes, proposals, 报备, training, assessment) and the
    expert's forms: no serious axe violation; the dashboard does not overflow on a phone."""
    from experts.services import assessment, reports, training

    base = live_server.url
    gd = pools["gd-quality"]
    now = timezone.now()
    expert = expert_in(gd, term_start=timezone.localdate() - timedelta(days=30),
                       term_end=timezone.localdate() + timedelta(days=60))
    sec = staff_of(gd)
    session = training.create_session(gd, actor=sec, topic="质量管理体系审核实务", starts_at=now + timedelta(days=3),
                                      ends_at=now + timedelta(days=3, hours=3), place="广州", capacity=10)
    training.enrol(session, expert, actor=expert.user)
    reports.file_report(expert, actor=expert.user, activity="talk", title="质量强省讲座",
                        starts_on=timezone.localdate() + timedelta(days=5), place="广州", audience="企业")
    rnd = assessment.open_round(gd, actor=sec, year=timezone.localdate().year, now=now)

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, expert.user.email)
    for path in ["/experts/me/", "/experts/me/contact/", f"/experts/me/{expert.pk}/changes/new/",
                 f"/experts/me/{expert.pk}/proposals/new/", f"/experts/me/{expert.pk}/reports/new/",
                 "/experts/me/proposals/"]:
        page.goto(base + path)
        axe_clean(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(base + "/experts/me/")
    expect(page.get_by_test_id("required-actions")).to_contain_text("聘期即将届满")
    expect(page.get_by_test_id("my-training")).to_contain_text("质量管理体系审核实务")

    page = new_context().new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, base, sec.email)
    for path in ["changes/", "proposals/", "reports/", "training/", f"training/{session.pk}/", "assessments/",
                 f"assessments/{rnd.pk}/", "stats/"]:
        page.goto(f"{base}/bodies/gd-quality/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_clean(page)
