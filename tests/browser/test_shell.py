"""Real-browser flows of the portal shell."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import AuditEvent, Policy

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.django_db(transaction=True)
def test_home_lists_bodies_and_is_saved_as_screenshot(page, live_server, demo):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="国家技术标准创新基地（江西绿色生态）")).to_be_visible()
    # the demo's open admission notices (gd-quality, xx-random) are listed for the public
    notices = page.get_by_role("region", name="正在公示")
    expect(notices.get_by_role("link", name=re.compile("入库人选公示"))).to_have_count(2)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "home.png"), full_page=True)
    assert (DOCS / "home.png").stat().st_size > 20_000


@pytest.mark.django_db(transaction=True)
def test_secretariat_edits_policy_and_sees_audit_entry(page, live_server, demo, login):
    login(demo_email("sec-jx-base"), DEMO_PASSWORD)
    expect(page.get_by_test_id("user-menu")).to_contain_text("创新基地办公室")
    # the body's public rules page shows the clause
    page.goto(f"{live_server.url}/bodies/jx-base/")
    row = page.locator('tr[data-rule="min_vice_chairs_present"]')
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("第二十二条")
    # edit a value as secretariat: a bad fraction first, then a good value
    page.goto(f"{live_server.url}/bodies/jx-base/policy/")
    page.get_by_label("法定人数（分子）").fill("4")
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_text("比例不能大于 1")).to_be_visible()
    page.get_by_label("法定人数（分子）").fill("2")
    page.get_by_label("议题提交提前量（工作日）").fill("6")
    page.get_by_role("button", name="保存修改").click()
    expect(page.get_by_text("已保存 1 项规则修改")).to_be_visible()
    expect(page.locator('tr[data-rule="agenda_lead_workdays"]')).to_contain_text("6")
    assert Policy.objects.get(body__key="jx-base").agenda_lead_workdays == 6
    # the audit log shows the change
    page.goto(f"{live_server.url}/bodies/jx-base/audit/")
    table = page.get_by_test_id("audit-table")
    expect(table).to_contain_text("policy.update")
    expect(table).to_contain_text("agenda_lead_workdays")
    assert AuditEvent.objects.filter(action="policy.update", body__key="jx-base").count() == 1


@pytest.mark.django_db(transaction=True)
def test_switch_language_to_english_and_back(page, live_server, demo, login):
    login(demo_email("expert"), DEMO_PASSWORD)
    page.goto(live_server.url + "/bodies/gd-quality/")
    page.get_by_label("语言").select_option("en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guangdong Quality Development Think Tank")
    expect(page.get_by_role("heading", name="Rules and their clauses")).to_be_visible()
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("广东省质量发展智库")


@pytest.mark.django_db(transaction=True)
def test_login_by_mobile_and_unread_count(page, live_server, demo, login):
    login("138 0013 8000", DEMO_PASSWORD)  # the demo expert's mobile
    expect(page.get_by_test_id("inbox-link")).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_contain_text("3")  # one per role granted by seed_demo
    page.get_by_test_id("inbox-link").click()
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)


@pytest.mark.django_db(transaction=True)
def test_phone_viewport_menu(page, live_server, demo):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/")
    nav_toggle = page.get_by_role("button", name="展开导航")
    expect(nav_toggle).to_be_visible()
    nav_toggle.click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    # nothing overflows horizontally on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/bodies/jx-base/", "/login/", "/accounts/register/", "/notices/",
                                  "notice", "objection", "certificate", "/experts/apply/"])
def test_public_pages_have_no_serious_accessibility_violations(page, live_server, demo, path):
    from axe_playwright_python.sync_playwright import Axe

    from experts.models import Expert, Notice

    if path in ("notice", "objection"):
        notice = Notice.objects.filter(status=Notice.Status.OPEN).first()
        path = f"/notices/{notice.pk}/" + ("objections/new/" if path == "objection" else "")
    elif path == "certificate":
        path = f"/certificates/{Expert.objects.first().certificate_no}/"
    page.goto(live_server.url + path)
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]


@pytest.mark.django_db(transaction=True)
def test_staff_pages_have_no_serious_accessibility_violations(page, live_server, demo, login):
    from axe_playwright_python.sync_playwright import Axe

    login(demo_email("sec-gd-quality"), DEMO_PASSWORD)
    for path in ["/bodies/gd-quality/staff/", "/bodies/gd-quality/applications/", "/bodies/gd-quality/pool/",
                 "/bodies/gd-quality/policy/", "/bodies/gd-quality/audit/", "/bodies/gd-quality/draws/",
                 "/calendar/", "/inbox/"]:
        page.goto(live_server.url + path)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious])


@pytest.mark.django_db(transaction=True)
def test_applicant_and_expert_pages_have_no_serious_accessibility_violations(page, live_server, demo, login):
    from axe_playwright_python.sync_playwright import Axe

    from experts.models import Invitation
    from experts.services.invitations import signed_link_token

    login(demo_email("expert"), DEMO_PASSWORD)
    paths = ["/tasks/", "/accounts/profile/", "/experts/applications/", "/experts/memberships/",
             "/experts/invitations/", "/experts/ratings/"]
    invitation = Invitation.objects.first()
    paths.append(f"/invitations/respond/{signed_link_token(invitation)}/")
    for path in paths:
        page.goto(live_server.url + path)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (path, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious])
