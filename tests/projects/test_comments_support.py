"""Shared helpers for the comment-round tests (imported explicitly; no tests here)."""
import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from portal import workdays
from portal.models import Role
from projects.services import comments as services
from tests.factories import UserFactory, grant

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
TITLE = "国家技术标准创新基地（江西绿色生态）管理办法（征求意见稿）"


def at(y, m, d, hh=10, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=workdays.TZ)


def pdf_upload(name="征求意见稿.pdf", content=MINIMAL_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx_upload(name="征求意见稿.docx"):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/octet-stream")


def sheet_upload(rows, *, header=("序号", "章条编号", "意见内容", "修改建议", "理由", "提出人/单位", "处理意见"),
                 title="《管理办法》意见汇总表", name="意见汇总表.xlsx"):
    """An .xlsx like the template: a title row, a 提出单位 row, the header, then `rows`
    (row 4 is the first data row)."""
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append(["提出单位：江西省农业科学院"])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def jx(bodies):
    return bodies["jx-base"]


@pytest.fixture
def staff(jx):
    user = UserFactory(name="创新基地办公室 徐丽")
    grant(user, jx, Role.SECRETARIAT)
    return user


@pytest.fixture
def unit_user(jx):
    user = UserFactory(name="成员单位 陈东", email="chen@unit-a.cn")
    grant(user, jx, Role.MEMBER)
    return user


@pytest.fixture
def other_unit(jx):
    user = UserFactory(name="成员单位 林娜", email="lin@unit-b.cn")
    grant(user, jx, Role.MEMBER)
    return user


def open_round(body, staff, *, now=None, workdays_count=5, users=(), emails=(), is_public=False, **kw):
    return services.open_round(body, actor=staff, title=kw.pop("title", TITLE), number=kw.pop("number", "赣标创发〔2024〕2号"),
                               draft=kw.pop("draft", None) or pdf_upload(), workdays_count=workdays_count,
                               users=users, emails=emails, is_public=is_public, now=now or at(2026, 9, 29), **kw)


def comment(rnd, user, now=None, **kw):
    values = {"clause": "第七条", "content": "建议明确计算时点。", "name": user.name, "unit": "某某研究院"}
    values.update(kw)
    return services.submit_comment(rnd, actor=user, now=now or at(2026, 9, 30), **values)
