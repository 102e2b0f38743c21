"""Two staff tools of a running draw, in a real browser: the operator withdraws an invitation
(the expert phoned to say they cannot come) and the next rank is invited at once; the
supervisor asks the draw page why a named expert is not in the pool (record v3 counts the
members failing the conditions instead of listing them)."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from experts.draws.fairness import verify_record
from experts.draws.record import build_record
from experts.models import Draw, Expert, Invitation
from experts.scale import create_experts
from experts.services import draws as services
from portal.demo import demo_email
from portal.models import Body, User
from tests.browser.test_draws import DESKTOP, PHONE, sign_in

I = Invitation.Status  # noqa: E741
REASON = "专家来电告知：检查当日住院手术，无法参加。"


@pytest.mark.django_db(transaction=True)
def test_operator_withdraws_an_invitation_and_the_supervisor_asks_why_an_expert_is_out(page, live_server, demo,
                                                                                       new_context):
    base = live_server.url
    create_experts(6, bodies=("xx-random",))
    sec = User.objects.get(email=demo_email("sec-xx-random"))
    supervisor = User.objects.get(email=demo_email("supervisor"))
    body = Body.objects.get(key="xx-random")
    far = Expert.objects.filter(body=body, status=Expert.Status.ACTIVE).order_by("pk").first()
    regions = sorted(set(Expert.objects.filter(body=body, status=Expert.Status.ACTIVE).exclude(pk=far.pk)
                         .exclude(region=far.region).values_list("region", flat=True)))
    assert regions, "the test needs members in another region than the first one"
    day = timezone.localdate() + timedelta(days=21)
    draw = services.create_draw(body, actor=sec, data={
        "purpose": "inspection", "title": "撤回邀请演示检查", "reviewed_unit": "新县某食品有限公司",
        "partner_units": [], "project_participants": [], "engagement_start": day, "engagement_end": day,
        "place": "新县市场监督管理局", "reply_hours": 72, "supervisor": supervisor, "needed": 1,
        "needs_by_field": {}, "min_title_level": "", "regions": regions, "employer_types": []})
    draw = services.freeze_pool(draw, actor=sec)
    if len(draw.pool) < 2:
        pytest.skip("fewer than two members in the chosen regions")
    draw = services.enter_entropy(draw, actor=supervisor, value="7 19 23", source="监督人现场掷骰")
    first = draw.invitations.select_related("expert").get()

    # --- the operator withdraws the rank-1 invitation; rank 2 is invited at once -------------------
    page.set_viewport_size(PHONE)
    sign_in(page, base, demo_email("sec-xx-random"))
    page.goto(f"{base}{draw.get_absolute_url()}")
    page.get_by_text("撤回一份邀请（如专家不能参加而未答复）").click()
    form = page.get_by_test_id("withdraw-form")
    form.get_by_role("button", name="撤回并递补").click()  # nothing chosen: messages, no change
    expect(page.get_by_test_id("withdraw-form").locator(".invalid-feedback").first).to_be_visible()
    first.refresh_from_db()
    assert first.status == I.INVITED
    form = page.get_by_test_id("withdraw-form")
    form.get_by_label("撤回哪一份邀请").select_option(str(first.pk))
    form.get_by_label("撤回理由").fill(REASON)
    form.get_by_role("button", name="撤回并递补").click()
    expect(page.get_by_text("邀请已撤回；随机抽取的，已按顺序递补。")).to_be_visible()
    rows = page.get_by_test_id("draw-live").get_by_test_id("invitation-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="已取消")).to_have_count(1)
    expect(rows.filter(has_text="已邀请，待答复").locator("td").first).to_have_text("2")
    first.refresh_from_db()
    draw.refresh_from_db()
    assert (first.status, first.reason) == (I.CANCELLED, REASON)
    assert [(p["rank"], p["outcome"]) for p in draw.picks] == [(1, "invited"), (1, "cancelled"), (2, "invited")]
    record = build_record(Draw.objects.get(pk=draw.pk), public=True)
    assert verify_record(record).ok and REASON not in str(record)  # the public walk carries a code only

    # --- the supervisor asks why the first member is not in the pool -------------------------------
    sup = new_context(viewport=DESKTOP).new_page()
    sign_in(sup, base, demo_email("supervisor"))
    sup.goto(f"{base}{draw.get_absolute_url()}")
    sup.get_by_label("查询某位专家为何不在专家池中（专家编号、证书编号或姓名）").fill(str(far.pk))
    sup.get_by_role("button", name="查询", exact=True).click()
    expect(sup).to_have_url(re.compile(r"\?why="))
    answer = sup.get_by_test_id("why-result")
    expect(answer).to_contain_text(far.public_name)
    expect(answer).to_contain_text("冻结时不符合抽取条件（计数，不逐人列出）。按当前数据：地区不符")
