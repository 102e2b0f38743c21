"""Staff, approver and supervisor pages of draws (experts.views.draws): permissions per role
and body, confidentiality of the panel, the records, the forms' per-field messages, and
constant query counts of the list and draw pages."""
import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone
from openpyxl import load_workbook

import portal.urls
from experts import urls as experts_urls
from experts.draws import fairness
from experts.draws.record import build_record, frozen_exclusions
from experts.models import Application, Draw, Expert, ExpertField, Invitation
from experts.services.admission import admit
from experts.views import draws as draw_views
from portal.models import Role
from portal.roles import ROLE_PERMISSIONS
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant

HOME = "gd-quality"
OTHER = "xx-random"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"

# Until experts/urls.py includes the draws (and invitations) urlpatterns, serve them from here.
_names = {getattr(p, "name", None) for p in experts_urls.urlpatterns}
_missing = []
if "draw-list" not in _names:
    _missing += draw_views.urlpatterns
if "my-invitations" not in _names:
    from experts.views import invitations as invitation_views

    _missing += invitation_views.urlpatterns
if _missing:
    _experts = (experts_urls.urlpatterns + _missing, "experts")
    urlpatterns = [p for p in portal.urls.urlpatterns if getattr(p, "app_name", None) != "experts"
                   and getattr(p, "namespace", None) != "experts"] + [path("", include(_experts))]
    pytestmark = pytest.mark.urls(__name__)


# ------------------------------------------------------------------ arranging data

def member(body, **profile):
    app = make_application(body, status=Application.Status.IN_NOTICE, profile=ProfileFactory(**profile))
    return admit(app, now=timezone.now())


def user_with(body, role, **kw):
    user = UserFactory(**kw)
    grant(user, body, role)
    return user


_seq = iter(range(1, 100000))


def make_draw(body, *, operator, supervisor, status=Draw.Status.DRAFT, mode=Draw.Mode.RANDOM,
              start=None, **kw):
    start = start or (timezone.localdate() + timedelta(days=10))
    values = dict(body=body, number=f"测抽〔2026〕{next(_seq)}号", mode=mode, status=status,
                  purpose=Draw.Purpose.INSPECTION, title="2026 年度质量管理体系检查", reviewed_unit="江门市某储能公司",
                  engagement_start=start, engagement_end=start + timedelta(days=1), place="江门市蓬江区",
                  needed=2, reply_hours=24, supervisor=supervisor, operator=operator,
                  policy_snapshot=body.policy.snapshot())
    values.update(kw)
    return Draw.objects.create(**values)


def run(draw, experts, *, declined=()):
    """Arrange a drawn record as the services leave it: pool, commitment, seed, walk, invitations."""
    pool = sorted(e.pk for e in experts)
    secret = "ab" * 32
    draw.pool = pool
    draw.exclusions = {}
    draw.pool_hash = fairness.pool_hash(draw.pk, draw.body.key, pool, {}, {})
    draw.secret = secret
    draw.secret_hash = fairness.secret_hash(secret)
    draw.entropy, draw.entropy_source = "20260318", "监督人现场输入"
    draw.seed = fairness.derive_seed(secret, draw.entropy)
    now = timezone.now()
    draw.committed_at = draw.drawn_at = now
    order = fairness.ranked(pool, draw.seed)
    picks, n = [], 0
    for rank, expert_id in enumerate(order, start=1):
        if n == draw.needed:
            break
        picks.append({"rank": rank, "expert": expert_id, "outcome": "invited", "at": now.isoformat()})
        status = Invitation.Status.DECLINED if expert_id in declined else Invitation.Status.INVITED
        Invitation.objects.create(draw=draw, expert_id=expert_id, rank=rank, status=status, invited_at=now,
                                  reply_by=now + timedelta(hours=24))
        if status == Invitation.Status.INVITED:
            n += 1
    draw.picks = picks
    draw.status = Draw.Status.INVITING
    draw.save()
    return draw


@pytest.fixture
def home(pools):
    return pools[HOME]


@pytest.fixture
def people(pools):
    """One user per role in the home body, a secretariat and a supervisor of another body."""
    gd, xx = pools[HOME], pools[OTHER]
    out = {role.value: user_with(gd, role, name=f"{role.label}甲") for role in Role}
    out["operator"] = user_with(gd, Role.SECRETARIAT, name="经办人乙")
    out["other_secretariat"] = user_with(xx, Role.SECRETARIAT, name="他机构秘书")
    out["other_supervisor"] = user_with(xx, Role.SUPERVISOR, name="他机构监督")
    return out


@pytest.fixture
def experts(home):
    return [member(home, name=f"抽取专家{i:02d}", employer=f"广州某研究院{i}") for i in range(6)]


@pytest.fixture
def drawn(home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"], status=Draw.Status.COMMITTED)
    return run(draw, experts)


# ------------------------------------------------------------------ permission matrix

def _urls(draw):
    k, pk = draw.body.key, draw.pk
    return {
        "draw-list": reverse("experts:draw-list", args=[k]),
        "draw-export": reverse("experts:draw-export", args=[k]),
        "draw-new": reverse("experts:draw-new", args=[k]),
        "designation-new": reverse("experts:designation-new", args=[k]),
        "draw-expert-search": reverse("experts:draw-expert-search", args=[k]) + "?q=抽取",
        "draw-detail": reverse("experts:draw-detail", args=[k, pk]),
        "draw-live": reverse("experts:draw-live", args=[k, pk]),
    }


# URL name → permissions of which any one opens it
PAGES = {
    "draw-list": ("manage_experts", "approve", "supervise"),
    "draw-export": ("manage_experts", "approve", "supervise"),
    "draw-new": ("manage_experts",),
    "designation-new": ("manage_experts",),
    "draw-expert-search": ("manage_experts",),
    "draw-detail": ("manage_experts", "approve", "supervise"),
    "draw-live": ("manage_experts", "approve", "supervise"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_its_draw_pages(client, pools, people, role):
    user = people[role.value]
    client.force_login(user)
    for key in (HOME, OTHER):
        operator = UserFactory()
        draw = make_draw(pools[key], operator=operator, supervisor=operator)
        for name, target in _urls(draw).items():
            allowed = key == HOME and any(p in ROLE_PERMISSIONS[role] for p in PAGES[name])
            response = client.get(target)
            assert response.status_code == (200 if allowed else 403), (role, key, name, response.status_code)


@pytest.mark.django_db
def test_secretariat_of_another_body_gets_403_on_every_page_and_action(client, home, people, drawn):
    client.force_login(people["other_secretariat"])
    for name, target in _urls(drawn).items():
        assert client.get(target).status_code == 403, name
    for name in ("draw-freeze", "draw-entropy", "draw-cancel", "designation-decide"):
        assert client.post(reverse(f"experts:{name}", args=[HOME, drawn.pk]), {}).status_code == 403, name
    assert client.get(reverse("experts:draw-pdf", args=[HOME, drawn.pk])).status_code == 403
    assert client.get(reverse("experts:draw-record", args=[drawn.pk])).status_code == 403
    assert client.get(reverse("experts:supervision")).status_code == 403


@pytest.mark.django_db
def test_a_draw_of_another_body_is_not_found_under_my_body(client, pools, people):
    other = make_draw(pools[OTHER], operator=people["other_secretariat"], supervisor=people["other_supervisor"])
    client.force_login(people["secretariat"])
    assert client.get(reverse("experts:draw-detail", args=[HOME, other.pk])).status_code == 404
    assert client.get(reverse("experts:draw-live", args=[HOME, other.pk])).status_code == 404
    assert client.post(reverse("experts:draw-freeze", args=[HOME, other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == Draw.Status.DRAFT


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["draw-list", "draw-new", "draw-detail"])
def test_anonymous_is_sent_to_login(client, home, people, name):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"])
    response = client.get(_urls(draw)[name])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("who,expected", [
    ("operator", 200), ("supervisor", 200), ("approver", 200), ("secretariat", 403), ("member", 403),
    ("expert", 403), ("other_supervisor", 403)])
def test_full_record_is_for_the_operator_supervisor_and_approvers(client, drawn, people, who, expected):
    client.force_login(people[who])
    response = client.get(reverse("experts:draw-record", args=[drawn.pk]))
    assert response.status_code == expected
    if expected == 200:
        record = json.loads(response.content)
        assert record["number"] == drawn.number and record["seed"] == drawn.seed
        assert set(record["names"].values()) == {e.public_name for e in Expert.objects.filter(pk__in=drawn.pool)
                                                 if e.pk in {p["expert"] for p in drawn.picks}}


@pytest.mark.django_db
def test_full_record_sends_anonymous_to_login(client, drawn):
    response = client.get(reverse("experts:draw-record", args=[drawn.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("who,expected", [
    ("supervisor", 200), ("secretariat", 403), ("approver", 403), ("member", 403), ("other_supervisor", 200)])
def test_supervision_page_is_for_supervisors(client, people, who, expected):
    client.force_login(people[who])
    assert client.get(reverse("experts:supervision")).status_code == expected


@pytest.mark.django_db
def test_supervisor_sees_every_draw_of_their_bodies_only_running_highlighted_designations_flagged(
        client, pools, people):
    gd, xx = pools[HOME], pools[OTHER]
    done = make_draw(gd, operator=people["operator"], supervisor=people["supervisor"], status=Draw.Status.COMPLETE,
                     title="已完成的检查")
    running = make_draw(gd, operator=people["operator"], supervisor=people["supervisor"],
                        status=Draw.Status.INVITING, title="正在邀请的评审")
    designated = make_draw(gd, operator=people["operator"], supervisor=people["supervisor"],
                           mode=Draw.Mode.DESIGNATED, status=Draw.Status.PENDING_APPROVAL, title="指定的验收",
                           designation_reason="专业极窄，库内仅三人")
    foreign = make_draw(xx, operator=people["other_secretariat"], supervisor=people["other_supervisor"],
                        title="别的机构的检查")
    client.force_login(people["supervisor"])
    response = client.get(reverse("experts:supervision"))
    html = response.content.decode()
    assert [d.pk for d in response.context["draws"]] == [designated.pk, running.pk, done.pk]
    assert foreign.title not in html
    rows = html.split('data-testid="supervision-row"')[1:]
    assert ['data-running="1"' in r.split("</tr>")[0] for r in rows] == [True, True, False]
    assert 'data-testid="designated-badge"' in rows[0] and 'data-testid="designated-badge"' not in rows[1]
    assert reverse("experts:draw-record", args=[done.pk]) in html


# ------------------------------------------------------------------ confidentiality

@pytest.mark.django_db
def test_other_staff_and_experts_cannot_see_panel_names_before_the_engagement(client, drawn, people, experts):
    panel = [i.expert.public_name for i in drawn.invitations.select_related("expert")]
    detail = reverse("experts:draw-detail", args=[HOME, drawn.pk])
    live = reverse("experts:draw-live", args=[HOME, drawn.pk])
    client.force_login(people["secretariat"])  # manage_experts, but not the operator
    for target in (detail, live):
        html = client.get(target).content.decode()
        assert 'data-testid="names-hidden"' in html
        assert not [name for name in panel if name in html]
    assert client.get(reverse("experts:draw-pdf", args=[HOME, drawn.pk])).status_code == 403
    pooled = Expert.objects.get(pk=drawn.pool[0])
    client.force_login(pooled.user)  # an expert of the pool
    assert client.get(detail).status_code == 403
    assert client.get(live).status_code == 403
    assert client.get(reverse("experts:draw-record", args=[drawn.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["operator", "supervisor", "approver"])
def test_operator_supervisor_and_approvers_see_the_panel_names(client, drawn, people, who):
    client.force_login(people[who])
    html = client.get(reverse("experts:draw-detail", args=[HOME, drawn.pk])).content.decode()
    for inv in drawn.invitations.select_related("expert"):
        assert inv.expert.public_name in html
    assert 'data-testid="names-hidden"' not in html


@pytest.mark.django_db
def test_other_staff_see_the_names_from_the_engagement_date_on(client, home, people, experts):
    today = timezone.localdate()
    draw = run(make_draw(home, operator=people["operator"], supervisor=people["supervisor"], start=today), experts)
    client.force_login(people["secretariat"])
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    for inv in draw.invitations.select_related("expert"):
        assert inv.expert.public_name in html


@pytest.mark.django_db
def test_public_record_has_no_names_and_opens_for_anyone(client, drawn, experts):
    for target in (reverse("experts:draw-record-public", args=[drawn.pk]),
                   reverse("experts:draw-record", args=[drawn.pk]) + "?public=1"):
        response = client.get(target)
        assert response.status_code == 200
        text = response.content.decode()
        record = json.loads(text)
        assert record["pool"] == drawn.pool and record["secret"] == drawn.secret
        assert "names" not in record
        leaked = [e.public_name for e in Expert.objects.filter(body=drawn.body) if e.public_name in text]
        assert leaked == []
        assert fairness.verify_record(record).ok


@pytest.mark.django_db
def test_public_record_is_not_found_before_the_draw(client, home, people):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     status=Draw.Status.COMMITTED, pool=[1, 2], pool_hash="0" * 64, secret="1" * 64,
                     secret_hash="2" * 64)
    assert client.get(reverse("experts:draw-record-public", args=[draw.pk])).status_code == 404
    assert client.get(reverse("experts:draw-record", args=[draw.pk]) + "?public=1").status_code == 404


@pytest.mark.django_db
def test_excluded_names_only_for_operator_supervisor_and_approvers(client, home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     status=Draw.Status.COMMITTED, pool=[e.pk for e in experts[1:]], pool_hash="a" * 64,
                     secret="b" * 64, secret_hash="c" * 64, committed_at=timezone.now(),
                     exclusions={str(experts[0].pk): ["employer", "rotation"]})
    url = reverse("experts:draw-detail", args=[HOME, draw.pk])
    client.force_login(people["approver"])
    html = client.get(url).content.decode()
    assert experts[0].public_name in html and "任职于被检查单位或合作单位" in html
    client.force_login(people["secretariat"])
    html = client.get(url).content.decode()
    assert experts[0].public_name not in html
    assert "轮换：连续被抽中：1" in html  # the count by reason is shown to every staff member


@pytest.mark.django_db
def test_why_not_in_the_pool_answers_each_state_for_the_full_record_only(client, home, people, experts):
    from experts.services import draws as draw_services

    far = member(home, name="外地专家", region="深圳市")
    recused = experts[0]
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     reviewed_unit="广州某研究院0", regions=[experts[1].profile.region])
    draw = draw_services.freeze_pool(draw, actor=people["operator"])
    assert far.pk not in draw.pool and recused.pk not in draw.pool and experts[1].pk in draw.pool
    url = reverse("experts:draw-detail", args=[HOME, draw.pk])
    client.force_login(people["supervisor"])

    def why(q):
        html = client.get(url, {"why": q}).content.decode()
        return html.split('data-testid="why-result"', 1)[1].split("</ul>", 1)[0]

    assert "不符合抽取条件（领域、职称、地区或单位性质）：1" in client.get(url).content.decode()
    assert "冻结时不符合抽取条件" in why("外地专家") and "地区不符" in why(str(far.pk))
    assert "冻结时因以下理由排除：任职于被检查单位或合作单位" in why(recused.certificate_no)
    assert "在冻结的专家池中" in why(str(experts[1].pk))
    assert "本专家库中没有这位专家" in why("无此人")
    client.force_login(people["secretariat"])  # the staff count, but names and the lookup are not theirs
    assert 'data-testid="why-result"' not in client.get(url, {"why": "外地专家"}).content.decode()


@pytest.mark.django_db
def test_staff_withdraw_an_invitation_from_the_draw_page(client, home, people, drawn):
    inv = drawn.invitations.order_by("rank").first()
    url = reverse("experts:draw-withdraw", args=[HOME, drawn.pk])
    client.force_login(people["supervisor"])  # watches, does not manage experts
    assert 'data-testid="withdraw-form"' not in client.get(reverse("experts:draw-detail", args=[HOME, drawn.pk])
                                                           ).content.decode()
    assert client.post(url, {"invitation": inv.pk, "reason": "x"}).status_code == 403
    client.force_login(people["operator"])
    page = client.get(reverse("experts:draw-detail", args=[HOME, drawn.pk])).content.decode()
    assert 'data-testid="withdraw-form"' in page and inv.expert.public_name in page
    response = client.post(url, {"invitation": inv.pk, "reason": ""})  # bad input: a message, no change
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.INVITED
    response = client.post(url, {"invitation": inv.pk, "reason": "专家电话告知住院，无法参加"})
    assert response.status_code == 302
    inv.refresh_from_db()
    drawn.refresh_from_db()
    assert inv.status == Invitation.Status.CANCELLED and inv.reason == "专家电话告知住院，无法参加"
    assert drawn.picks[-2]["outcome"] == "cancelled" and drawn.picks[-1]["outcome"] == "invited"
    assert drawn.invitations.filter(status=Invitation.Status.INVITED).count() == drawn.needed
    assert client.post(url, {"invitation": inv.pk, "reason": "again"}).status_code == 200  # no longer a choice
    assert fairness.verify_record(build_record(drawn, public=True)).ok


# ------------------------------------------------------------------ the draw page

@pytest.mark.django_db
def test_buttons_follow_the_flow_and_the_role(client, home, people, experts):
    draft = make_draw(home, operator=people["operator"], supervisor=people["supervisor"])
    committed = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                          status=Draw.Status.COMMITTED, pool=[e.pk for e in experts], pool_hash="a" * 64,
                          secret="b" * 64, secret_hash="c" * 64, committed_at=timezone.now())
    cases = [(draft, "operator", {"freeze-form", "cancel-form"}),
             (draft, "supervisor", set()),
             (committed, "supervisor", {"entropy-form"}),
             (committed, "operator", {"cancel-form"}),
             (committed, "approver", set())]
    for draw, who, expected in cases:
        client.force_login(people[who])
        html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
        shown = {f for f in ("freeze-form", "entropy-form", "cancel-form", "decide-form")
                 if f'data-testid="{f}"' in html}
        assert shown == expected, (draw.status, who)


@pytest.mark.django_db
def test_pool_short_warning_when_fewer_eligible_than_needed(client, home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"], needed=3,
                     status=Draw.Status.COMMITTED, pool=[experts[0].pk, experts[1].pk], pool_hash="a" * 64,
                     secret="b" * 64, secret_hash="c" * 64, committed_at=timezone.now())
    client.force_login(people["operator"])
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    assert 'data-testid="pool-short"' in html and "只有 2 人，少于所需的 3 人" in html
    draw.needed = 2
    draw.save(update_fields=["needed"])
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    assert 'data-testid="pool-short"' not in html


@pytest.mark.django_db
def test_live_panel_polls_while_inviting_and_stops_after(client, drawn, people):
    client.force_login(people["supervisor"])
    live = reverse("experts:draw-live", args=[HOME, drawn.pk])
    html = client.get(live).content.decode()
    assert f'hx-get="{live}"' in html and 'hx-trigger="every 3s"' in html
    Draw.objects.filter(pk=drawn.pk).update(status=Draw.Status.COMPLETE)
    html = client.get(live).content.decode()
    assert "hx-trigger" not in html and "专家组已齐" in html


@pytest.mark.django_db
def test_walk_and_commitment_are_shown_after_the_draw(client, drawn, people):
    client.force_login(people["supervisor"])
    html = client.get(reverse("experts:draw-detail", args=[HOME, drawn.pk])).content.decode()
    assert drawn.pool_hash in html and drawn.secret_hash in html and drawn.seed in html and drawn.secret in html
    walk = html.split('data-testid="draw-walk"')[1]
    assert walk.count("<tr>") == 1 + len(drawn.picks)


@pytest.mark.django_db
def test_secret_is_not_shown_before_the_draw(client, home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     status=Draw.Status.COMMITTED, pool=[e.pk for e in experts], pool_hash="a" * 64,
                     secret="5ec7" * 16, secret_hash="c" * 64, committed_at=timezone.now())
    client.force_login(people["supervisor"])
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    assert "5ec7" * 16 not in html and "c" * 64 in html


@pytest.mark.django_db
def test_designated_draw_carries_the_badge_and_approver_sees_it_pending(client, home, people):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"], mode=Draw.Mode.DESIGNATED,
                     status=Draw.Status.PENDING_APPROVAL, designation_reason="库内该专业仅两人")
    client.force_login(people["approver"])
    listing = client.get(reverse("experts:draw-list", args=[HOME])).content.decode()
    pending = listing.split('data-testid="pending-designations"')[1].split("</section>")[0]
    assert draw.number in pending and 'data-testid="designated-badge"' in pending
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    assert 'data-testid="designated-badge"' in html and "库内该专业仅两人" in html
    assert 'data-testid="decide-form"' in html


@pytest.mark.django_db
def test_export_lists_the_bodys_draws(client, home, pools, people):
    make_draw(home, operator=people["operator"], supervisor=people["supervisor"], title="甲检查")
    make_draw(pools[OTHER], operator=people["other_secretariat"], supervisor=people["other_supervisor"],
              title="乙检查")
    client.force_login(people["supervisor"])
    response = client.get(reverse("experts:draw-export", args=[HOME]))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)
                                  if response.streaming else response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    titles = [r[3] for r in rows[1:]]
    assert rows[0][0] == "编号" and titles == ["甲检查"]


# ------------------------------------------------------------------ forms

def _valid_post(home, sup, **over):
    start = timezone.localdate() + timedelta(days=7)
    data = {"purpose": "inspection", "title": "储能电站安全检查", "reviewed_unit": "江门市某储能公司",
            "partner_units": "甲公司\n乙公司", "project_participants": "张三\n李四",
            "engagement_start": start.isoformat(), "engagement_end": (start + timedelta(days=1)).isoformat(),
            "place": "江门市", "needed": "2", "reply_hours": "24", "supervisor": str(sup.pk)}
    data.update(over)
    return data


@pytest.mark.django_db
def test_draw_form_rejects_bad_input_per_field_and_creates_nothing(client, home, people):
    client.force_login(people["operator"])
    top = list(ExpertField.objects.filter(body=home, parent=None).order_by("order", "code")[:2])
    start = timezone.localdate() + timedelta(days=7)
    url = reverse("experts:draw-new", args=[HOME])
    response = client.post(url, _valid_post(home, people["supervisor"], engagement_end=(start - timedelta(days=1))
                                            .isoformat(), needed="0"))
    form = response.context["form"]
    assert form.errors["engagement_end"] == ["结束日期不能早于开始日期。"]
    assert "needed" in form.errors and "reply_hours" not in form.errors
    response = client.post(url, _valid_post(home, people["supervisor"], needed="3",
                                            **{f"need_{top[0].code}": "1", f"need_{top[1].code}": "1"}))
    form = response.context["form"]
    msg = "按领域人数合计 2 人，与所需专家人数 3 人不一致。"
    assert form.errors["needed"] == [msg] and form.errors[f"need_{top[0].code}"] == [msg]
    response = client.post(url, _valid_post(home, people["supervisor"], supervisor=str(people["secretariat"].pk)))
    assert "supervisor" in response.context["form"].errors
    assert Draw.objects.count() == 0


@pytest.mark.django_db
def test_written_recusal_needs_the_letter_and_a_real_file(client, home, people, experts):
    client.force_login(people["operator"])
    url = reverse("experts:draw-new", args=[HOME])
    response = client.post(url, _valid_post(home, people["supervisor"], excluded_experts=[str(experts[0].pk)]))
    assert response.context["form"].errors["exclusion_letter"] == ["申请回避的专家须附被检查单位的书面申请。"]
    assert experts[0].public_name in response.content.decode()  # the choice is kept on the page
    fake = SimpleUploadedFile("letter.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(url, {**_valid_post(home, people["supervisor"], excluded_experts=[str(experts[0].pk)]),
                                 "exclusion_letter": fake})
    assert "只接受 PDF、JPG 或 PNG" in response.context["form"].errors["exclusion_letter"][0]
    assert Draw.objects.count() == 0


@pytest.mark.django_db
def test_written_recusal_cannot_name_an_expert_of_another_body(client, pools, people):
    foreign = member(pools[OTHER], name="他库专家")
    client.force_login(people["operator"])
    response = client.post(reverse("experts:draw-new", args=[HOME]), {
        **_valid_post(pools[HOME], people["supervisor"], excluded_experts=[str(foreign.pk)]),
        "exclusion_letter": SimpleUploadedFile("l.pdf", PDF, content_type="application/pdf")})
    assert "excluded_experts" in response.context["form"].errors
    assert Draw.objects.count() == 0


@pytest.mark.django_db
def test_reply_hours_default_from_policy_and_supervisors_listed(client, home, people):
    client.force_login(people["operator"])
    response = client.get(reverse("experts:draw-new", args=[HOME]))
    form = response.context["form"]
    assert form["reply_hours"].value() == home.policy.invitation_reply_hours
    assert list(form.fields["supervisor"].queryset) == [people["supervisor"]]


@pytest.mark.django_db
def test_expert_search_finds_active_members_of_the_body_only(client, pools, people, experts):
    member(pools[OTHER], name="抽取专家他库")
    client.force_login(people["operator"])
    response = client.get(reverse("experts:draw-expert-search", args=[HOME]), {"q": "抽取专家0"})
    assert [e.pk for e in response.context["results"]] == sorted(
        (e.pk for e in experts), key=lambda pk: Expert.objects.get(pk=pk).public_name)
    assert 'name="excluded_experts"' in response.content.decode()


@pytest.mark.django_db
def test_entropy_form_needs_a_value_and_changes_nothing(client, home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     status=Draw.Status.COMMITTED, pool=[e.pk for e in experts], pool_hash="a" * 64,
                     secret="b" * 64, secret_hash="c" * 64, committed_at=timezone.now())
    client.force_login(people["supervisor"])
    response = client.post(reverse("experts:draw-entropy", args=[HOME, draw.pk]), {"value": "  ", "source": ""})
    form = response.context["forms"]["entropy"]
    assert set(form.errors) == {"value", "source"}
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMMITTED and draw.seed == ""


@pytest.mark.django_db
def test_only_the_supervisor_role_may_post_the_entropy(client, home, people, experts):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"],
                     status=Draw.Status.COMMITTED, pool=[e.pk for e in experts], pool_hash="a" * 64,
                     secret="b" * 64, secret_hash="c" * 64, committed_at=timezone.now())
    for who in ("operator", "approver"):
        client.force_login(people[who])
        response = client.post(reverse("experts:draw-entropy", args=[HOME, draw.pk]), {"value": "1", "source": "x"})
        assert response.status_code == 403
    draw.refresh_from_db()
    assert draw.status == Draw.Status.COMMITTED


@pytest.mark.django_db
def test_designation_form_needs_a_reason_and_experts(client, home, people):
    client.force_login(people["operator"])
    data = _valid_post(home, people["supervisor"])
    data.pop("needed")
    response = client.post(reverse("experts:designation-new", args=[HOME]), {**data, "reason": "   "})
    errors = response.context["form"].errors
    assert errors["experts"] == ["请至少选择一名专家。"] and "reason" in errors
    assert Draw.objects.count() == 0


@pytest.mark.django_db
def test_rejecting_a_designation_needs_a_note(client, home, people):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"], mode=Draw.Mode.DESIGNATED,
                     status=Draw.Status.PENDING_APPROVAL, designation_reason="专业窄")
    client.force_login(people["approver"])
    response = client.post(reverse("experts:designation-decide", args=[HOME, draw.pk]), {"decision": "reject"})
    assert response.context["forms"]["decide"].errors["note"] == ["不予批准时请说明理由。"]
    draw.refresh_from_db()
    assert draw.status == Draw.Status.PENDING_APPROVAL


# ------------------------------------------------------------------ query counts

@pytest.mark.django_db
def test_list_page_query_count_is_constant(client, home, people, django_assert_max_num_queries):
    client.force_login(people["approver"])
    url = reverse("experts:draw-list", args=[HOME])
    make_draw(home, operator=people["operator"], supervisor=people["supervisor"])
    make_draw(home, operator=people["operator"], supervisor=people["supervisor"], mode=Draw.Mode.DESIGNATED,
              status=Draw.Status.PENDING_APPROVAL)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    for i in range(30):
        make_draw(home, operator=UserFactory(), supervisor=UserFactory(), mode=Draw.Mode.DESIGNATED if i % 2 else
                  Draw.Mode.RANDOM, status=Draw.Status.PENDING_APPROVAL if i % 2 else Draw.Status.DRAFT)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert len(response.context["draws"]) == draw_views.PAGE_SIZE


@pytest.mark.django_db
def test_supervision_page_query_count_is_constant(client, pools, people, django_assert_max_num_queries):
    client.force_login(people["supervisor"])
    url = reverse("experts:supervision")
    make_draw(pools[HOME], operator=people["operator"], supervisor=people["supervisor"])
    with django_assert_max_num_queries(12):
        client.get(url)
    for _i in range(30):
        make_draw(pools[HOME], operator=UserFactory(), supervisor=UserFactory())
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert len(response.context["draws"]) == draw_views.PAGE_SIZE


@pytest.mark.django_db
def test_detail_page_query_count_is_constant(client, home, people, django_assert_max_num_queries):
    few = run(make_draw(home, operator=people["operator"], supervisor=people["supervisor"], needed=1),
              [member(home) for _i in range(2)])
    many_experts = [member(home) for _i in range(14)]
    many = make_draw(home, operator=people["operator"], supervisor=people["supervisor"], needed=8)
    run(many, many_experts, declined={e.pk for e in many_experts[:4]})
    Draw.objects.filter(pk=many.pk).update(exclusions={str(e.pk): ["booked"] for e in many_experts[:3]})
    client.force_login(people["supervisor"])
    limit = 30
    with django_assert_max_num_queries(limit):
        client.get(reverse("experts:draw-detail", args=[HOME, few.pk]))
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("experts:draw-detail", args=[HOME, many.pk]))
    assert len(response.context["invitations"]) >= 8


@pytest.mark.django_db
def test_detail_page_lists_the_first_excluded_experts_of_a_large_v2_record(client, home, people, monkeypatch,
                                                                           django_assert_max_num_queries):
    """A record v2 (exclusions by reason) of a large pool: the page counts every excluded expert
    once, names only the first EXCLUSION_ROWS_SHOWN and points to the record for the rest."""
    from experts.selectors import draws as draw_selectors

    monkeypatch.setattr(draw_selectors, "EXCLUSION_ROWS_SHOWN", 3)
    draw = run(make_draw(home, operator=people["operator"], supervisor=people["supervisor"], needed=1),
               [member(home) for _i in range(2)])
    out = [member(home) for _i in range(5)]
    ids = sorted(e.pk for e in out)
    Draw.objects.filter(pk=draw.pk).update(
        exclusions={"booked": ids[:2], "employer": ids[1:]},
        policy_snapshot={**draw.policy_snapshot, "draw_algorithm": "quorum-draw-v2"})
    client.force_login(people["supervisor"])
    with django_assert_max_num_queries(30):
        response = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk]))
    assert response.context["excluded_count"] == 5
    rows = response.context["exclusion_rows"]
    assert [r[0] for r in rows] == ids[:3] and rows[1][1] == out[[e.pk for e in out].index(ids[1])].public_name
    assert len(rows[1][2]) == 2  # booked and employer
    assert dict(response.context["exclusion_summary"]) == {draw_selectors.reason_label("employer"): 4,
                                                          draw_selectors.reason_label("booked"): 2}
    assert "以上为编号最小的 3 人（共 5 人）" in response.content.decode()


# ------------------------------------------------------------------ through the services

@pytest.mark.django_db
def test_operator_opens_freezes_and_supervisor_draws(client, home, people, experts,
                                                     django_capture_on_commit_callbacks):
    top = ExpertField.objects.filter(body=home, parent=None).order_by("order", "code").first()
    client.force_login(people["operator"])
    letter = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("experts:draw-new", args=[HOME]), {
        **_valid_post(home, people["supervisor"], needed="2", **{f"need_{top.code}": "2"}),
        "excluded_experts": [str(experts[0].pk)], "exclusion_letter": letter, "employer_types": ["institution"]})
    draw = Draw.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("experts:draw-detail", args=[HOME, draw.pk])
    assert draw.partner_units == ["甲公司", "乙公司"] and draw.project_participants == ["张三", "李四"]
    assert draw.needs_by_field == {top.code: 2} and draw.employer_types == ["institution"]
    assert list(draw.excluded_experts.all()) == [experts[0]] and draw.exclusion_letter
    assert draw.operator == people["operator"] and draw.status == Draw.Status.DRAFT
    assert client.get(reverse("experts:draw-letter", args=[HOME, draw.pk])).status_code == 200

    response = client.post(reverse("experts:draw-freeze", args=[HOME, draw.pk]))
    draw.refresh_from_db()
    assert response.status_code == 302 and draw.status == Draw.Status.COMMITTED
    assert experts[0].pk not in draw.pool and experts[0].pk in frozen_exclusions(draw)["written_request"]
    html = client.get(reverse("experts:draw-detail", args=[HOME, draw.pk])).content.decode()
    assert draw.pool_hash in html and "被检查单位书面申请回避：1" in html

    client.force_login(people["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("experts:draw-entropy", args=[HOME, draw.pk]),
                               {"value": "73915", "source": "监督人现场输入"})
    draw.refresh_from_db()
    assert response.status_code == 302 and draw.status == Draw.Status.INVITING
    assert draw.entropy == "73915" and draw.entropy_by == people["supervisor"]
    assert draw.invitations.filter(status=Invitation.Status.INVITED).count() == 2
    record = json.loads(client.get(reverse("experts:draw-record", args=[draw.pk])).content)
    assert fairness.verify_record(record).ok


@pytest.mark.django_db
def test_freeze_refused_when_nobody_is_eligible_shows_the_reason(client, home, people):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"])
    client.force_login(people["operator"])
    response = client.post(reverse("experts:draw-freeze", args=[HOME, draw.pk]))
    assert response.status_code == 200
    assert "没有符合条件的专家" in response.content.decode()
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT and draw.pool_hash == ""


@pytest.mark.django_db
def test_designation_requested_then_approved(client, home, people, experts, django_capture_on_commit_callbacks):
    client.force_login(people["operator"])
    data = _valid_post(home, people["supervisor"])
    data.pop("needed")
    response = client.post(reverse("experts:designation-new", args=[HOME]), {
        **data, "experts": [str(experts[1].pk), str(experts[2].pk)], "reason": "该工艺全省仅两位专家熟悉"})
    draw = Draw.objects.get()
    assert response.status_code == 302
    assert (draw.mode, draw.status, draw.needed) == (Draw.Mode.DESIGNATED, Draw.Status.PENDING_APPROVAL, 2)
    client.force_login(people["approver"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("experts:designation-decide", args=[HOME, draw.pk]),
                               {"decision": "approve", "note": "同意"})
    draw.refresh_from_db()
    assert response.status_code == 302 and draw.status == Draw.Status.INVITING
    assert sorted(draw.invitations.values_list("expert_id", flat=True)) == [experts[1].pk, experts[2].pk]
    client.force_login(people["supervisor"])
    html = client.get(reverse("experts:supervision")).content.decode()
    assert draw.number in html and 'data-testid="designated-badge"' in html


@pytest.mark.django_db
def test_cancel_needs_a_reason_then_cancels(client, home, people):
    draw = make_draw(home, operator=people["operator"], supervisor=people["supervisor"])
    client.force_login(people["operator"])
    url = reverse("experts:draw-cancel", args=[HOME, draw.pk])
    response = client.post(url, {"reason": ""})
    assert "reason" in response.context["forms"]["cancel"].errors
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAFT
    assert client.post(url, {"reason": "检查计划取消"}).status_code == 302
    draw.refresh_from_db()
    assert draw.status == Draw.Status.CANCELLED
