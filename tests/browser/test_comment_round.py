"""A comment round (征求意见) in a real browser: the jx-base office opens a round on a draft and
invites two member units; one comments in the form (and edits), the other uploads the filled
summary form (first with a bad row, refused with the row named, then fixed); the office
dispositions every comment (未采纳 without a reason is refused) and exports the summary form as
Excel and PDF; the unit sees how each comment was handled.

Screenshot kept under docs/: comment-summary.png (page 1 of the summary PDF, rendered with
pypdfium2 — checked by eye: the Chinese glyphs render)."""
import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD, demo_email
from projects.models import Comment, CommentRound

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TITLE = "国家技术标准创新基地（江西绿色生态）项目管理实施细则（征求意见稿）"
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


def sheet(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append([f"《{TITLE}》意见汇总表"])
    ws.append(["提出单位：江西省农业科学院"])
    ws.append(["序号", "章条编号", "意见内容", "修改建议", "理由", "提出人/单位", "处理意见"])
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


@pytest.fixture
def _remove_stored_files(transactional_db):
    yield
    for r in CommentRound.objects.all():
        r.draft.storage.delete(r.draft.name)


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], (page.url, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious])


def dispose(page, row, choice, reason=""):
    row.get_by_role("link", name="处理").click()
    form = page.get_by_test_id("dispose-form")
    form.get_by_label(choice, exact=True).check()
    form.get_by_label("处理意见说明").fill(reason)
    form.get_by_role("button", name="保存处理意见").click()


@pytest.mark.django_db(transaction=True)
def test_comment_round_from_draft_to_summary_form(page, live_server, demo, new_context, tmp_path,
                                                  _remove_stored_files):
    base = live_server.url
    draft = tmp_path / "项目管理实施细则（征求意见稿）.pdf"
    draft.write_bytes(MINIMAL_PDF)

    # --- 1. the office opens the round -----------------------------------------------------------
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, demo_email("sec-jx-base"))
    page.goto(f"{base}/comments/")
    page.get_by_role("link", name="国家技术标准创新基地（江西绿色生态）", exact=True).click()
    page.get_by_role("link", name="发起征求意见").click()
    expect(page.get_by_test_id("period-preview")).to_contain_text("24:00")
    form = page.get_by_test_id("open-round-form")
    form.get_by_label("文件名称").fill(TITLE)
    form.get_by_label("文号（选填）").fill("赣标创发〔2026〕7号")
    form.get_by_label("征求意见稿").set_input_files(str(draft))
    form.get_by_label("征求意见期限（工作日）").fill("5")
    form.get_by_label(re.compile("理事 陈东")).check()
    form.get_by_label("按电子邮箱邀请（选填）").fill(f"{demo_email('applicant')}, 江西省农业科学院")
    form.get_by_role("button", name="发布并发送邀请").click()
    expect(page.get_by_text(re.compile("征求意见已发布，截止时间"))).to_be_visible()
    rnd = CommentRound.objects.get(title=TITLE)
    assert rnd.workdays == 5 and rnd.invitations.count() == 2
    expect(page.get_by_test_id("invitation-list")).to_contain_text("申请人 赵磊（江西省农业科学院）")
    assert_accessible(page)

    # --- 2. a member unit comments in the form, on a phone -------------------------------------------
    unit = new_context(viewport=PHONE).new_page()
    sign_in(unit, base, demo_email("member"))
    unit.goto(f"{base}/comments/")
    unit.get_by_test_id("invited-rounds").get_by_role("link", name=TITLE).click()
    expect(unit.get_by_role("heading", level=1)).to_have_text(TITLE)
    f = unit.get_by_test_id("comment-form")
    f.get_by_label("提出单位").fill("江西省质量和标准化研究院")
    f.get_by_label("章条编号").fill("第三条")
    f.get_by_label("意见内容").fill("立项申请材料清单不完整。")
    f.get_by_label("修改建议（选填）").fill("增加“合作单位意向书”。")
    f.get_by_role("button", name="保存意见").click()
    expect(unit.get_by_text("意见已保存。截止前您可以继续补充或修改。")).to_be_visible()
    f = unit.get_by_test_id("comment-form")
    f.get_by_label("章条编号").fill("第五条")
    f.get_by_label("意见内容").fill("结题时限写得太死")
    f.get_by_role("button", name="保存意见").click()
    expect(unit.get_by_test_id("my-comment")).to_have_count(2)
    unit.get_by_test_id("my-comment").nth(1).get_by_role("link", name="修改").click()
    unit.get_by_label("意见内容").fill("结题时限建议改为“实施期满后三个月内”。")
    unit.get_by_role("button", name="保存修改").click()
    expect(unit.get_by_test_id("my-comments")).to_contain_text("实施期满后三个月内")
    assert unit.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert_accessible(unit)

    # --- 3. another unit uploads the filled summary form -------------------------------------------
    other = new_context(viewport=DESKTOP).new_page()
    sign_in(other, base, demo_email("applicant"))
    other.goto(f"{base}/comments/{rnd.pk}/respond/")
    other.get_by_role("link", name=re.compile("上传 Excel")).click()
    template = other.request.get(base + other.get_by_test_id("template-link").get_attribute("href"))
    assert load_workbook(io.BytesIO(template.body())).active["A1"].value == f"《{TITLE}》意见汇总表"
    bad = sheet(tmp_path / "意见汇总表-有误.xlsx", [
        (1, "第八条", "工作组成员应包括合作单位。", "", "", "", ""),
        (2, "第九条", "", "删除第二款", "", "", ""),
    ])
    upload = other.get_by_test_id("upload-form")
    upload.get_by_label("填好的意见汇总表（.xlsx）").set_input_files(str(bad))
    upload.get_by_role("button", name="上传并导入").click()
    expect(other.get_by_test_id("row-errors")).to_contain_text("第 5 行：缺少意见内容")
    assert Comment.objects.filter(round=rnd, source="excel").count() == 0
    good = sheet(tmp_path / "意见汇总表.xlsx", [
        (1, "第八条", "工作组成员应包括合作单位。", "", "", "", ""),
        (2, "第九条", "第二款与第七条重复。", "删除第二款", "避免重复", "", ""),
    ])
    upload = other.get_by_test_id("upload-form")
    upload.get_by_label("填好的意见汇总表（.xlsx）").set_input_files(str(good))
    upload.get_by_role("button", name="上传并导入").click()
    expect(other.get_by_text("已导入 2 条意见。")).to_be_visible()
    expect(other.get_by_test_id("my-comment")).to_have_count(2)

    # --- 4. the office dispositions every comment -----------------------------------------------------
    page.goto(f"{base}/bodies/jx-base/comments/{rnd.pk}/")
    rows = page.get_by_test_id("comment-row")
    expect(rows).to_have_count(4)
    dispose(page, rows.nth(0), "采纳")
    expect(page.get_by_text("处理意见已保存。")).to_be_visible()
    dispose(page, page.get_by_test_id("comment-row").nth(1), "部分采纳", "时限改为实施期满后六个月内。")
    dispose(page, page.get_by_test_id("comment-row").nth(2), "未采纳")  # no reason: refused
    expect(page.get_by_test_id("dispose-form")).to_contain_text("“未采纳”须说明理由。")
    page.get_by_test_id("dispose-form").get_by_label("处理意见说明").fill("工作组组成由立项单位确定。")
    page.get_by_test_id("dispose-form").get_by_role("button", name="保存处理意见").click()
    dispose(page, page.get_by_test_id("comment-row").nth(3), "采纳")
    expect(page.get_by_test_id("counts-line")).to_have_text("共收到 4 条意见，采纳 2 条，部分采纳 1 条，未采纳 1 条")
    assert_accessible(page)

    # --- 5. the summary form as Excel and PDF -------------------------------------------------------
    xlsx = page.request.get(base + page.get_by_test_id("export-xlsx").get_attribute("href"))
    ws = load_workbook(io.BytesIO(xlsx.body())).active
    assert [c.value for c in ws[3]] == ["序号", "章条编号", "意见内容", "提出人/单位", "处理意见"]
    assert ws["A2"].value == "赣标创发〔2026〕7号  共收到 4 条意见，采纳 2 条，部分采纳 1 条，未采纳 1 条"
    pdf_response = page.request.get(base + page.get_by_test_id("export-pdf").get_attribute("href"))
    assert pdf_response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(pdf_response.body())
    text = re.sub(r"\s", "", pdf[0].get_textpage().get_text_range())
    assert "意见汇总处理表" in text and "共收到4条意见，采纳2条，部分采纳1条，未采纳1条" in text
    assert "部分采纳：时限改为实施期满后六个月内。" in text and "江西省农业科学院" in text
    pdf[0].render(scale=1.6).to_pil().save(DOCS / "comment-summary.png")
    assert (DOCS / "comment-summary.png").stat().st_size > 20_000

    # --- 6. the unit sees how each comment was handled -------------------------------------------------
    unit.goto(f"{base}/comments/{rnd.pk}/respond/")
    handled = unit.get_by_test_id("my-disposition")
    expect(handled.nth(0)).to_contain_text("采纳")
    expect(handled.nth(1)).to_contain_text("部分采纳 时限改为实施期满后六个月内。")


@pytest.mark.django_db(transaction=True)
def test_a_visitor_comments_on_a_public_round_on_a_phone(page, live_server, demo):
    """The demo's open public round: anyone reads it and comments with name and contact (kept
    private); the pages pass the axe checks."""
    from projects.demo_comments import OPEN_TITLE

    base = live_server.url
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/comments/")
    assert_accessible(page)
    page.get_by_test_id("public-rounds").get_by_role("link", name=OPEN_TITLE).click()
    expect(page.get_by_test_id("round-deadline")).to_contain_text("24:00")
    assert_accessible(page)
    page.get_by_role("link", name="提出意见").click()
    form = page.get_by_test_id("public-comment-form")
    form.get_by_label("提出人姓名").fill("张三")
    form.get_by_label("联系电话或电子邮箱").fill("13812345678")
    form.get_by_label("章条编号").fill("第十四条")
    form.get_by_label("意见内容").fill("建议公开理事会会议纪要。")
    form.get_by_role("button", name="提交意见").click()
    expect(page.get_by_text("您的意见已提交，谢谢！处理结果将在意见汇总处理表中体现。")).to_be_visible()
    assert_accessible(page)
    assert "13812345678" not in page.locator("body").inner_text()
    c = Comment.objects.get(source="public")
    assert (c.submitter_name, c.contact, c.clause) == ("张三", "13812345678", "第十四条")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
