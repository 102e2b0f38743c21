"""The office keeps the participating units and their accounts."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from projects.models import Organisation
from projects.services.project_common import ProjectError
from projects.services.project_units import save_organisation


def test_office_creates_and_edits_a_unit(world):
    org = save_organisation(world.body, actor=world.office, name="南昌大学", credit_code="12360000419012345x",
                            emails=[world.stranger.email.upper()])
    assert org.credit_code == "12360000419012345X"
    assert list(org.members.all()) == [world.stranger]
    save_organisation(world.body, actor=world.office, name="南昌大学资源与环境学院", organisation=org, emails=[])
    org.refresh_from_db()
    assert org.name == "南昌大学资源与环境学院" and org.members.count() == 0


def test_unit_rules(world):
    with pytest.raises(PermissionDenied):
        save_organisation(world.body, actor=world.owner, name="x")
    with pytest.raises(ProjectError):
        save_organisation(world.body, actor=world.office, name=world.org.name)
    with pytest.raises(ProjectError) as exc:
        save_organisation(world.body, actor=world.office, name="新单位", emails=["nobody@example.cn"])
    assert exc.value.message_dict["emails"] == ["以下邮箱没有对应的账号：nobody@example.cn"]
    with pytest.raises(ProjectError):
        save_organisation(world.body, actor=world.office, name="新单位", credit_code="123")
    assert not Organisation.objects.filter(name="新单位").exists()


def test_units_page(client, world):
    url = reverse("projects:staff-units", args=[world.body.key])
    client.force_login(world.owner)
    assert client.get(url).status_code == 403
    client.force_login(world.office)
    resp = client.post(url, {"name": "南昌大学", "credit_code": "", "emails": "nobody@example.cn"})
    assert resp.status_code == 400 and "以下邮箱没有对应的账号" in resp.content.decode()
    resp = client.post(url, {"name": "南昌大学", "credit_code": "", "emails": world.stranger.email})
    assert resp.status_code == 302
    assert Organisation.objects.get(name="南昌大学").members.get() == world.stranger
