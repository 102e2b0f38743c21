"""The draw record PDF (experts:draw-pdf): number, commitment, entropy, seed, revealed secret,
the walk, the panel and the signature lines of the operator and the supervisor."""
import pypdfium2 as pdfium
import pytest
from django.urls import reverse

from experts.models import Draw
from portal.models import Role
from tests.experts.test_draw_views import HOME, make_draw, member, run, user_with

pytestmark = getattr(__import__("tests.experts.test_draw_views", fromlist=["pytestmark"]), "pytestmark", [])


def pdf_text(content):
    doc = pdfium.PdfDocument(content)
    return "".join(page.get_textpage().get_text_range() for page in doc)


@pytest.fixture
def drawn(pools):
    gd = pools[HOME]
    operator = user_with(gd, Role.SECRETARIAT, name="经办人王")
    supervisor = user_with(gd, Role.SUPERVISOR, name="监督人李")
    experts = [member(gd, name=f"记录专家{i}") for i in range(4)]
    draw = make_draw(gd, operator=operator, supervisor=supervisor, status=Draw.Status.COMMITTED,
                     title="储能电站年度安全检查")
    return run(draw, experts), operator, supervisor


def squash(text):
    return "".join(text.split())


@pytest.mark.django_db
def test_pdf_has_number_hashes_seed_panel_and_signature_lines(client, drawn):
    draw, operator, supervisor = drawn
    client.force_login(supervisor)
    response = client.get(reverse("experts:draw-pdf", args=[HOME, draw.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = squash(pdf_text(response.content))
    assert squash(draw.number) in text
    assert "经办人（签字）" in text and "监督人（签字）" in text and "日期：" in text
    for value in (draw.pool_hash, draw.secret_hash, draw.seed, draw.secret, draw.entropy):
        assert value in text
    for inv in draw.invitations.select_related("expert"):
        assert inv.expert.public_name in text


@pytest.mark.django_db
def test_pdf_before_the_draw_keeps_the_secret(client, pools):
    gd = pools[HOME]
    operator = user_with(gd, Role.SECRETARIAT, name="经办人赵")
    supervisor = user_with(gd, Role.SUPERVISOR, name="监督人钱")
    draw = make_draw(gd, operator=operator, supervisor=supervisor, status=Draw.Status.COMMITTED, pool=[1, 2, 3],
                     pool_hash="a1" * 32, secret="5e" * 32, secret_hash="c3" * 32)
    client.force_login(operator)
    text = squash(pdf_text(client.get(reverse("experts:draw-pdf", args=[HOME, draw.pk])).content))
    assert "a1" * 32 in text and "c3" * 32 in text and "5e" * 32 not in text
    assert "经办人（签字）" in text and "监督人（签字）" in text


@pytest.mark.django_db
@pytest.mark.parametrize("role,expected", [(Role.APPROVER, 200), (Role.SECRETARIAT, 403), (Role.MEMBER, 403),
                                           (Role.EXPERT, 403)])
def test_pdf_names_the_panel_so_only_privileged_roles_get_it_before_the_engagement(client, drawn, pools, role,
                                                                                     expected):
    draw, _operator, _supervisor = drawn
    client.force_login(user_with(pools[HOME], role))
    assert client.get(reverse("experts:draw-pdf", args=[HOME, draw.pk])).status_code == expected


@pytest.mark.django_db
def test_pdf_names_the_records_algorithm_and_counts_the_members_failing_the_conditions(client, pools):
    from experts.services import draws as draw_services

    gd = pools[HOME]
    operator = user_with(gd, Role.SECRETARIAT, name="经办人赵")
    supervisor = user_with(gd, Role.SUPERVISOR, name="监督人钱")
    [member(gd, name=f"本地专家{i}") for i in range(3)]
    member(gd, name="外地专家", region="深圳市")
    draw = make_draw(gd, operator=operator, supervisor=supervisor, regions=["广州市"])
    draw = draw_services.freeze_pool(draw, actor=operator)
    client.force_login(supervisor)
    text = squash(pdf_text(client.get(reverse("experts:draw-pdf", args=[HOME, draw.pk])).content))
    assert "算法quorum-draw-v3" in text and "quorum-draw-v1" not in text
    assert "共排除1人" in text and squash("不符合抽取条件（领域、职称、地区或单位性质）") + "1" in text
