"""Arranging helpers shared by the lifecycle-self tests (change reports, proposals, 报备,
training, assessment, statistics, dashboard)."""
from datetime import date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from portal.workdays import TZ
from tests.experts.test_invitations import invite, make_draw, make_expert, staff_of  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(y, m, d, hh=10, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


def pdf(name="证明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def expert_in(body, **kw):
    kw.setdefault("term_start", date(2026, 1, 1))
    kw.setdefault("term_end", date(2028, 12, 31))
    return make_expert(body, **kw)
