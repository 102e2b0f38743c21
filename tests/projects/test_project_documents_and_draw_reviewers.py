"""Attachments through the views (private storage, permission-checked download) and closing
reviewers taken from an expert draw's accepted panel."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Role
from projects.models import Organisation, ProjectDocument
from projects.services import project_closing as closing
from projects.services.project_common import ProjectError
from tests.factories import UserFactory, grant

from .conftest import in_progress, make_draft

PDF = b"%PDF-1.4\n%%EOF\n"


def test_upload_and_download_are_checked(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = make_draft(world)
    client.force_login(world.owner)
    url = reverse("projects:document-upload", args=[p.pk])
    resp = client.post(url, {"title": "伪装文件", "file": SimpleUploadedFile("x.pdf", b"GIF89a....")})
    assert resp.status_code == 400
    assert "只接受 PDF、JPG 或 PNG 文件" in resp.content.decode()
    assert ProjectDocument.objects.count() == 0
    resp = client.post(url, {"title": "申报书", "file": SimpleUploadedFile("申报书.pdf", PDF)})
    assert resp.status_code == 302
    doc = ProjectDocument.objects.get()
    assert str(tmp_path / "private") in doc.file.path
    download = reverse("projects:document-download", args=[p.pk, doc.pk])
    resp = client.get(download)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PDF
    client.force_login(world.stranger)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


@pytest.mark.django_db
def test_accepted_experts_of_a_linked_draw_may_review(demo):
    from experts.models import Invitation

    inv = Invitation.objects.filter(status=Invitation.Status.ACCEPTED).select_related("draw__body",
                                                                                       "expert__user").first()
    body = inv.draw.body
    office = UserFactory()
    grant(office, body, Role.SECRETARIAT)
    owner = UserFactory()
    grant(owner, body, Role.MEMBER)
    org = Organisation.objects.create(body=body, name="某参与单位")
    org.members.add(owner)
    from types import SimpleNamespace

    w = SimpleNamespace(body=body, office=office, owner=owner, org=org)
    p = in_progress(w)
    report = closing.submit_closing_report(p, actor=owner, summary="完成", outputs=[])
    expert_user = inv.expert.user
    declined = Invitation.objects.filter(draw=inv.draw).exclude(status=Invitation.Status.ACCEPTED).first()
    with pytest.raises(ProjectError):
        closing.assign_reviewers(report, actor=office, reviewers=[expert_user])  # no draw linked yet
    closing.assign_reviewers(report, actor=office, reviewers=[expert_user], draw=inv.draw)
    report.refresh_from_db()
    assert report.draw == inv.draw
    if declined is not None and declined.expert.user_id != expert_user.pk:
        with pytest.raises(ProjectError):
            closing.assign_reviewers(report, actor=office, reviewers=[declined.expert.user])
    review = report.reviews.get(reviewer=expert_user)
    closing.submit_review(review, actor=expert_user, score=77, comments="同意")
    review.refresh_from_db()
    assert review.score == 77
