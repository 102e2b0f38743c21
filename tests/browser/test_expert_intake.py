"""The whole expert intake in a real browser: an applicant applies on a phone, uploads the ID copy
and a title certificate, is returned with a comment, fixes and resubmits; the secretariat
forwards, the approver approves, the secretariat publishes the notice; an anonymous visitor files
an objection that staff accept and dismiss; the close task admits the candidate; the applicant
downloads the e-certificate and the public verification page confirms it.

Screenshots kept under docs/: notice.png (public notice page, desktop) and certificate.png (the
certificate PDF rendered with pypdfium2)."""
import re
from datetime import date, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from experts.models import Application, Attachment, Expert, Notice, NoticeEntry, Objection
from experts.services.notices import close_due_notices
from portal.demo import DEMO_PASSWORD, demo_email
from portal.models import AuditEvent
from tests.experts.factories import valid_resident_id

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
S = Application.Status

BIRTH = date(1978, 3, 9)
ID_NUMBER = valid_resident_id(birth=BIRTH, seq="417")
NAME = "赵磊"
EMPLOYER = "广东省标准化研究院"
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
# 1x1 white PNG
MINIMAL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8ffff3f0005fe02fea7d6a4b00000000049454e44ae426082")


@pytest.fixture
def uploads(tmp_path):
    id_copy = tmp_path / "身份证复印件.pdf"
    id_copy.write_bytes(MINIMAL_PDF)
    title_cert = tmp_path / "职称证书.png"
    title_cert.write_bytes(MINIMAL_PNG)
    return id_copy, title_cert


@pytest.fixture
def _remove_stored_files(transactional_db):
    """Delete the attachment files this test stored (MEDIA_ROOT is shared between runs)."""
    yield
    for att in Attachment.objects.all():
        att.file.storage.delete(att.file.name)


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login/")
    page.get_by_label("邮箱或手机号").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def fill_application(page, id_copy, title_cert):
    """Every required field of the gd-quality application, on the phone-sized form."""
    form = page.get_by_test_id("application-form")
    form.get_by_label("姓名").fill(NAME)
    form.get_by_label("男", exact=True).check()
    form.get_by_label("出生日期").fill(BIRTH.isoformat())
    form.get_by_label("证件类型").select_option("resident")
    form.get_by_label("证件号码").fill(ID_NUMBER)
    form.get_by_label("手机号码").fill("139 0013 9000")
    form.get_by_label("电子邮箱").fill("zhao.lei@example.cn")
    form.get_by_label("通讯地址").fill("广州市越秀区东风中路 305 号")
    form.get_by_label("工作单位", exact=True).fill(EMPLOYER)
    form.get_by_label("单位性质").select_option("institution")
    form.get_by_label("职务", exact=True).fill("主任")  # the secretariat will ask for the full position
    form.get_by_label("参加工作年份").fill("2001")
    form.get_by_label("所在地区").fill("广州市")
    form.get_by_label("专业技术职称").fill("正高级工程师")
    form.get_by_label("职称等级").select_option("senior")
    form.get_by_label("最高学位").select_option("master")
    form.get_by_label("取得学位年份").fill("2004")
    form.get_by_label("标准化", exact=True).check()
    form.get_by_label("个人简历").fill("长期从事地方标准制修订与标准化试点示范评估工作。")
    form.get_by_label("近年工作单位").fill(EMPLOYER)
    # one attachment per save: the ID copy (PDF), then the title certificate (PNG)
    form.get_by_label("附件类别").select_option("id_copy")
    form.get_by_label("选择文件").set_input_files(str(id_copy))
    page.get_by_role("button", name="保存草稿").last.click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    form = page.get_by_test_id("application-form")
    form.get_by_label("附件类别").select_option("title_cert")
    form.get_by_label("选择文件").set_input_files(str(title_cert))
    page.get_by_role("button", name="保存草稿").last.click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    attachments = page.get_by_test_id("attachment-list")
    expect(attachments).to_contain_text("身份证件复印件：身份证复印件.pdf")
    expect(attachments).to_contain_text("职称证书：职称证书.png")


@pytest.mark.django_db(transaction=True)
def test_expert_intake_from_phone_application_to_verified_certificate(
        page, live_server, demo, new_context, uploads, _remove_stored_files):
    base = live_server.url
    id_copy, title_cert = uploads
    assert not Application.objects.filter(applicant__email=demo_email("applicant")).exists()

    # --- 1. the applicant applies on a phone ------------------------------------------------------
    page.set_viewport_size(PHONE)
    sign_in(page, base, demo_email("applicant"))
    page.goto(f"{base}/experts/apply/")
    page.get_by_test_id("call-gd-quality").get_by_role("link", name=re.compile("申请")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("广东省质量发展智库")
    page.get_by_role("button", name="开始填写申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请加入广东省质量发展智库")
    fill_application(page, id_copy, title_cert)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交。审核进展会通过站内消息和邮件通知您。")).to_be_visible()
    expect(page.get_by_test_id("next-step")).to_contain_text("申请已提交，请等待秘书处审核。")
    app = Application.objects.get(applicant__email=demo_email("applicant"), body__key="gd-quality")
    assert app.status == S.SUBMITTED
    assert app.profile.id_number == ID_NUMBER and app.profile.birth_date == BIRTH
    assert app.profile.phone == "13900139000"
    assert sorted(app.attachments.values_list("kind", "content_type")) == [
        ("id_copy", "application/pdf"), ("title_cert", "image/png")]
    assert app.snapshot["fields"] == ["standardization"]

    # --- 2. the secretariat returns it with a comment on the work section -------------------------
    sec = new_context(viewport=DESKTOP).new_page()
    sign_in(sec, base, demo_email("sec-gd-quality"))
    sec.goto(f"{base}/bodies/gd-quality/applications/?status=submitted")
    sec.get_by_test_id("queue-table").get_by_role("link", name=NAME).click()
    expect(sec.get_by_test_id("status")).to_have_text("已提交")
    comment = "职务请填写完整，例如“标准化研究所主任”。"
    returning = sec.get_by_role("form", name="退回修改")
    returning.get_by_label("工作情况").fill(comment)
    returning.get_by_role("button", name="退回申请人修改").click()
    expect(sec.get_by_text("已退回申请人修改。")).to_be_visible()
    expect(sec.get_by_test_id("status")).to_have_text("退回修改")
    app.refresh_from_db()
    assert app.status == S.RETURNED
    assert app.return_comments == {"work": comment}

    # --- 3. the applicant sees the comment, fixes the position and resubmits -----------------------
    page.goto(f"{base}/experts/applications/{app.pk}/")
    expect(page.get_by_test_id("return-comments")).to_contain_text(comment)
    page.get_by_role("link", name="填写/修改申请").click()
    expect(page.get_by_test_id("comment-work")).to_contain_text(comment)
    page.get_by_test_id("application-form").get_by_label("职务", exact=True).fill("标准化研究所主任")
    page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_text("申请已提交。审核进展会通过站内消息和邮件通知您。")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text(comment)  # the return stays on the timeline
    app.refresh_from_db()
    assert app.status == S.SUBMITTED
    assert app.profile.position == "标准化研究所主任"
    assert app.snapshot["position"] == "标准化研究所主任"

    # --- 4. the secretariat forwards, the approver approves -----------------------------------------
    sec.goto(f"{base}/bodies/gd-quality/applications/{app.pk}/")
    # title or executive position: one of the group suffices; here the senior title
    rules = sec.get_by_test_id("eligibility")
    expect(rules.get_by_role("row", name=re.compile("^符合 具有副高级以上技术职称"))).to_have_count(1)
    expect(rules.get_by_role("row", name=re.compile("^符合 年龄一般不超过65周岁"))).to_have_count(1)
    sec.get_by_role("button", name="审核通过，提交审批").click()
    expect(sec.get_by_text("已提交审批。")).to_be_visible()
    expect(sec.get_by_test_id("status")).to_have_text("待审批")
    approver = new_context(viewport=DESKTOP).new_page()
    sign_in(approver, base, demo_email("approver"))
    approver.goto(f"{base}/bodies/gd-quality/approvals/")
    approver.get_by_test_id("approvals-table").get_by_role("row", name=re.compile(NAME)).get_by_role(
        "link", name="查看并审批").click()
    approver.get_by_role("button", name="批准入库申请").click()
    expect(approver.get_by_text(f"已批准{NAME}的入库申请。")).to_be_visible()
    app.refresh_from_db()
    assert app.status == S.APPROVED

    # --- 5. the secretariat publishes a notice with this candidate only -----------------------------
    sec.goto(f"{base}/bodies/gd-quality/notices/new/")
    candidates = sec.get_by_role("group", name=re.compile("拟入库人选")).get_by_role("checkbox")
    expect(candidates).to_have_count(2)  # ours and the demo's approved applicant, both preselected
    for i in range(candidates.count()):  # the demo's one waits for a later notice
        candidates.nth(i).uncheck()
    sec.get_by_role("checkbox", name=f"{NAME} · {EMPLOYER} · 正高级工程师 · 标准化").check()
    sec.get_by_role("button", name="发布", exact=True).click()
    expect(sec.get_by_text(re.compile(r"公示 .+ 已发布，截止时间"))).to_be_visible()
    notice = Notice.objects.get(entries__application=app)
    assert notice.status == Notice.Status.OPEN
    assert list(notice.entries.values_list("public_name", flat=True)) == [NAME]
    assert notice.ends_at > notice.published_at
    assert Application.objects.get(pk=app.pk).status == S.IN_NOTICE

    # --- 6. an anonymous visitor finds it on /notices/ and files an objection ------------------------
    visitor = new_context(viewport=DESKTOP).new_page()
    visitor.goto(f"{base}/notices/")
    row = visitor.get_by_test_id("notice-table").get_by_role("row").filter(has_text=notice.number)
    expect(row).to_contain_text("公示中")
    expect(row).to_contain_text("广东省质量发展智库")
    row.get_by_role("link", name=notice.title).click()
    expect(visitor).to_have_url(f"{base}/notices/{notice.pk}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(notice.title)
    table = visitor.get_by_test_id("candidate-table")
    expect(table).to_contain_text(NAME)
    expect(table).to_contain_text(EMPLOYER)
    expect(table).to_contain_text("正高级工程师")
    expect(table).to_contain_text("标准化")
    page_text = visitor.locator("body").inner_text()
    for private in (ID_NUMBER, "13900139000", "139 0013 9000", "zhao.lei@example.cn", "东风中路", "1978-03-09"):
        assert private not in page_text
    DOCS.mkdir(exist_ok=True)
    visitor.screenshot(path=str(DOCS / "notice.png"), full_page=True)
    assert (DOCS / "notice.png").stat().st_size > 20_000

    table.get_by_role("link", name=re.compile(f"提出异议.*{NAME}")).click()
    objection_form = visitor.get_by_test_id("objection-form")
    expect(objection_form.get_by_label("被异议人选")).to_have_value(str(notice.entries.get().pk))
    objection_form.get_by_label("异议人姓名或单位名称").fill("钱多多")
    objection_form.get_by_label("联系电话或电子邮箱").fill("13700137000")
    facts = "据了解，该人选近三年未在标准化研究所担任主任职务，申报职务与实际不符，请核实。"
    objection_form.get_by_label("异议事实和理由").fill(facts)
    objection_form.get_by_label(re.compile("我承诺所述情况属实")).check()
    visitor.get_by_role("button", name="提交异议").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("异议已提交")
    receipt_no = visitor.get_by_test_id("receipt-no").inner_text().strip()
    objection = Objection.objects.get(receipt_no=receipt_no)
    assert objection.status == Objection.Status.FILED
    assert (objection.objector_name, objection.objector_contact, objection.facts) == ("钱多多", "13700137000", facts)
    assert objection.objector_user_id is None

    # --- 7. the secretariat accepts and then dismisses it ---------------------------------------------
    sec.goto(f"{base}/bodies/gd-quality/objections/")
    sec.get_by_role("link", name=receipt_no).click()
    expect(sec.get_by_test_id("objector")).to_contain_text("13700137000")
    sec.get_by_label("受理意见").fill("异议人具名并提供了具体事实，予以受理。")
    sec.get_by_role("button", name="受理", exact=True).click()
    expect(sec.get_by_text(f"已受理异议 {receipt_no}。")).to_be_visible()
    objection.refresh_from_db()
    assert objection.status == Objection.Status.ACCEPTED and objection.decide_by is not None
    sec.get_by_label("异议不成立").check()
    sec.get_by_label("处理结论和理由").fill("经向所在单位人事部门核实，该人选自 2019 年起任标准化研究所主任，异议不成立。")
    sec.get_by_role("button", name="提交决定").click()
    expect(sec.get_by_text(f"异议 {receipt_no} 已作出处理决定，已书面告知异议人和专家本人。")).to_be_visible()
    objection.refresh_from_db()
    assert objection.status == Objection.Status.DISMISSED
    assert NoticeEntry.objects.get(notice=notice).outcome == NoticeEntry.Outcome.PENDING

    # --- 8. the close task runs after the end; the candidate is admitted ------------------------------
    notice.refresh_from_db()
    # (the demo's own open notices are closed by the same runs; only ours is asserted)
    close_due_notices(now=notice.ends_at - timedelta(minutes=1))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.OPEN  # not before the end
    assert close_due_notices(now=notice.ends_at + timedelta(minutes=1)) >= 1
    assert close_due_notices(now=notice.ends_at + timedelta(minutes=2)) == 0  # idempotent
    notice.refresh_from_db()
    assert notice.status == Notice.Status.CLOSED
    assert NoticeEntry.objects.get(notice=notice).outcome == NoticeEntry.Outcome.ADMITTED
    expert = Expert.objects.get(application=app)
    assert expert.status == Expert.Status.ACTIVE
    assert expert.certificate_no.startswith("GDZK")
    assert AuditEvent.objects.filter(action="experts.admit", body__key="gd-quality",
                                     data__certificate_no=expert.certificate_no).count() == 1

    # --- 9. the applicant downloads the certificate; the public page verifies it ------------------
    page.goto(f"{base}/experts/applications/{app.pk}/")
    expect(page.get_by_test_id("next-step")).to_contain_text("您已入库")
    page.goto(f"{base}/experts/memberships/")
    memberships = page.get_by_test_id("memberships")
    expect(memberships).to_contain_text(expert.certificate_no)
    link = memberships.get_by_role("link", name="下载电子聘书（PDF）")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf_bytes = response.body()
    assert pdf_bytes.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(pdf_bytes)
    text = pdf[0].get_textpage().get_text_range()
    assert expert.certificate_no in text
    assert NAME in text
    # the verification URL (also in the QR code) is printed under the code, wrapped over two lines
    assert f"/certificates/{expert.certificate_no}/" in re.sub(r"\s", "", text)
    assert ID_NUMBER not in text and "13900139000" not in text
    pdf[0].render(scale=1.5).to_pil().save(DOCS / "certificate.png")
    assert (DOCS / "certificate.png").stat().st_size > 20_000

    verify = new_context(viewport=PHONE).new_page()  # anyone, e.g. after scanning the QR code
    verify.goto(f"{base}/certificates/{expert.certificate_no}/")
    state = verify.get_by_test_id("certificate-state")
    expect(state).to_have_attribute("data-state", "valid")
    expect(state).to_contain_text("该聘书真实有效")
    expect(verify.locator("main")).to_contain_text(NAME)
    expect(verify.locator("main")).to_contain_text("广东省质量发展智库")
    assert ID_NUMBER not in verify.locator("body").inner_text()
