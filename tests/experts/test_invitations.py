"""The expert side of draws: signed reply links, invitation notifications, the no-login
reply page, the logged-in invitations list. Also the URLconf the part-G tests run under
(the root URLconf with the invitation views in the "experts" namespace) and the helpers
that arrange experts, draws and invitations directly."""
import itertools
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.urls import include, path, reverse

from experts.models import Application, Draw, Expert, Invitation
from experts.services import invitations as services
from portal.models import Notification, Role
from portal.workdays import TZ
from tests.experts.factories import ProfileFactory, make_application
from tests.factories import UserFactory, grant


def _experts_patterns():
    from experts import urls as experts_urls
    from experts.views import invitations as views

    patterns = list(experts_urls.urlpatterns)
    known = {p.name for p in patterns}
    return patterns + [p for p in views.urlpatterns if p.name not in known]


def _root_patterns():
    from portal import urls as root

    return [p for p in root.urlpatterns if getattr(p, "namespace", None) != "experts"]


urlpatterns = [*_root_patterns(), path("", include((_experts_patterns(), "experts")))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.experts.test_invitations")]

I = Invitation.Status
_numbers = itertools.count(1)


def at(y, m, d, hh=10, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=TZ)


# ---------------------------------------------------------------------------
# arranging (shared with test_evaluations)


def staff_of(body):
    user = UserFactory()
    grant(user, body, Role.SECRETARIAT)
    return user


def make_expert(body, *, term_start=date(2026, 1, 1), term_end=date(2028, 12, 31), name=None):
    profile = ProfileFactory(**({"name": name} if name else {}))
    app = make_application(body, status=Application.Status.ADMITTED, profile=profile)
    return Expert.objects.create(
        body=body, user=profile.user, profile=profile, application=app, certificate_no=f"T-{body.key}-{app.pk}",
        term_start=term_start, term_end=term_end, admitted_at=at(term_start.year, term_start.month, term_start.day),
        public_name=profile.name, public_employer=profile.employer, public_title=profile.title)


def make_draw(body, *, start=date(2026, 3, 10), end=None, operator=None, supervisor=None,
              status=Draw.Status.INVITING, title="2026年度企业质量管理专项检查", **extra):
    operator = operator or staff_of(body)
    return Draw.objects.create(
        body=body, number=f"测试抽〔2026〕{next(_numbers)}号", purpose=Draw.Purpose.INSPECTION, title=title,
        reviewed_unit="新县某某机械有限公司", engagement_start=start, engagement_end=end or start,
        place="新县工信局三楼会议室", needed=2, reply_hours=24, supervisor=supervisor or operator,
        operator=operator, policy_snapshot=body.policy.snapshot(), status=status, **extra)


def invite(draw, expert, *, status=I.INVITED, rank=1, invited_at=None, reply_by=None):
    invited_at = invited_at or at(2026, 3, 1, 9)
    return Invitation.objects.create(draw=draw, expert=expert, rank=rank, status=status, invited_at=invited_at,
                                     reply_by=reply_by or invited_at + timedelta(hours=24))


@pytest.fixture
def xx(pools):
    return pools["xx-random"]


# ---------------------------------------------------------------------------
# the signed token


def test_a_token_names_its_invitation(xx):
    inv = invite(make_draw(xx), make_expert(xx))
    assert services.invitation_from_token(services.signed_link_token(inv)) == inv


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
    lambda t: "x" + t,  # payload changed
    lambda t: "not-a-token",
])
def test_a_tampered_token_names_no_invitation(xx, mangle):
    inv = invite(make_draw(xx), make_expert(xx))
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_from_token(mangle(services.signed_link_token(inv)))


def test_a_token_signed_with_another_salt_or_for_another_expert_is_refused(xx):
    draw = make_draw(xx)
    inv, other = invite(draw, make_expert(xx)), make_expert(xx)
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_from_token(signing.dumps({"i": inv.pk, "e": inv.expert_id}, salt="another"))
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_from_token(signing.dumps({"i": inv.pk, "e": other.pk}, salt=services.SALT))


def test_a_tampered_link_shows_the_not_found_page(client, xx):
    inv = invite(make_draw(xx), make_expert(xx))
    token = services.signed_link_token(inv)
    response = client.get(reverse("experts:invitation-respond", args=[token[:-2] + "zz"]))
    assert response.status_code == 404
    assert "该邀请链接无效或已被修改" in response.content.decode()


# ---------------------------------------------------------------------------
# sending


def test_invitations_are_delivered_after_commit_with_the_signed_link(xx, django_capture_on_commit_callbacks):
    draw = make_draw(xx, start=date(2026, 3, 10), end=date(2026, 3, 11))
    inv = invite(draw, make_expert(xx, name="张受邀"), reply_by=at(2026, 3, 5, 14, 30))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.send_invitations([inv])
    assert mail.outbox == [] and callbacks  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    link = settings.SITE_URL.rstrip("/") + reverse("experts:invitation-respond",
                                                   args=[services.signed_link_token(inv)])
    assert message.to == [inv.expert.user.email]
    # the signature carries a timestamp (seconds): compare up to it, and the sent token must resolve
    prefix = link.rsplit(":", 2)[0]
    assert prefix in message.body
    sent_token = message.body.split(prefix.rsplit("/", 1)[0] + "/", 1)[1].split("/", 1)[0]
    assert services.invitation_from_token(sent_token) == inv
    assert "请于 2026年3月5日 14:30 前答复" in message.body
    assert "2026年3月10日 至 2026年3月11日" in message.body and "新县工信局三楼会议室" in message.body
    assert "2026年3月5日 14:30" in message.subject
    n = Notification.objects.get(user=inv.expert.user, kind="draw_invitation")
    assert n.url == reverse("experts:my-invitations")


def test_sending_twice_notifies_once(xx, django_capture_on_commit_callbacks):
    inv = invite(make_draw(xx), make_expert(xx))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations([inv])
        services.send_invitations([inv])
    assert Notification.objects.filter(kind="draw_invitation").count() == 1
    assert len(mail.outbox) == 1


def test_answered_invitations_are_not_sent(xx):
    inv = invite(make_draw(xx), make_expert(xx), status=I.DECLINED)
    assert services.send_invitations([inv]) == []


# ---------------------------------------------------------------------------
# the reply page (GET)


def test_the_reply_page_shows_the_engagement_but_not_the_other_panel_members(client, xx):
    draw = make_draw(xx, title="新县机械行业安全检查")
    mine = invite(draw, make_expert(xx, name="甲专家"), reply_by=at(2099, 3, 5, 14, 30))
    invite(draw, make_expert(xx, name="乙同组"), rank=2, status=I.ACCEPTED)
    page = client.get(reverse("experts:invitation-respond", args=[services.signed_link_token(mine)]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "新县机械行业安全检查" in text and "2099年3月5日 14:30" in text and "新县工信局三楼会议室" in text
    assert "乙同组" not in text
    assert mine.expert.profile.phone not in text and mine.expert.profile.id_number not in text
    assert 'value="accept"' in text and 'value="conflict"' in text and "csrfmiddlewaretoken" in text


def test_after_the_deadline_the_page_says_so_and_offers_no_buttons(client, xx):
    inv = invite(make_draw(xx), make_expert(xx), reply_by=at(2026, 3, 5, 14, 30))
    with time_machine.travel(at(2026, 3, 5, 14, 30, 1), tick=False):
        text = client.get(reverse("experts:invitation-respond", args=[services.signed_link_token(inv)])
                          ).content.decode()
    assert "答复期限（2026年3月5日 14:30）已过" in text
    assert 'value="accept"' not in text


def test_an_answered_invitation_shows_the_recorded_answer(client, xx):
    inv = invite(make_draw(xx), make_expert(xx), status=I.DECLINED)
    Invitation.objects.filter(pk=inv.pk).update(replied_at=at(2026, 3, 2, 8, 5), reason="出差在外")
    text = client.get(reverse("experts:invitation-respond", args=[services.signed_link_token(inv)])
                      ).content.decode()
    assert "您的答复已记录：已谢绝（2026年3月2日 08:05）" in text and "出差在外" in text
    assert 'value="accept"' not in text


# ---------------------------------------------------------------------------
# the logged-in expert


def test_my_invitations_lists_the_users_own_invitations_across_bodies(client, pools):
    xx, gd = pools["xx-random"], pools["gd-quality"]
    me = make_expert(xx)
    again = Expert.objects.create(  # the same person, member of a second body
        body=gd, user=me.user, profile=me.profile, certificate_no=f"T2-{me.pk}",
        application=make_application(gd, status=Application.Status.ADMITTED, profile=me.profile),
        term_start=date(2026, 1, 1), term_end=date(2028, 12, 31), admitted_at=at(2026, 1, 1), public_name="x")
    invite(make_draw(xx, title="甲事项"), me)
    invite(make_draw(gd, title="乙事项"), again)
    invite(make_draw(xx, title="他人事项"), make_expert(xx))
    client.force_login(me.user)
    text = client.get(reverse("experts:my-invitations")).content.decode()
    assert "甲事项" in text and "乙事项" in text and "他人事项" not in text


def test_another_experts_invitation_is_not_found(client, xx):
    inv = invite(make_draw(xx), make_expert(xx))
    client.force_login(make_expert(xx).user)
    assert client.get(reverse("experts:invitation-reply", args=[inv.pk])).status_code == 404


def test_my_invitations_needs_login(client, xx):
    response = client.get(reverse("experts:my-invitations"))
    assert response.status_code == 302 and "/login" in response.url


def test_my_invitations_runs_a_constant_number_of_queries(client, xx, django_assert_max_num_queries):
    me = make_expert(xx)
    invite(make_draw(xx), me)
    client.force_login(me.user)
    with django_assert_max_num_queries(8):
        client.get(reverse("experts:my-invitations"))
    for i in range(30):
        invite(make_draw(xx, start=date(2026, 4, 1) + timedelta(days=i)), me)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("experts:my-invitations"))
    assert len(re.findall(r'href="/experts/invitations/\d+/"', response.content.decode())) == 25  # one page


# ---------------------------------------------------------------------------
# replies through the draw service (a real draw: create → freeze → entropy)


def drawn(body, *, experts=3, needed=1, now=None):
    """A random draw run through the services; returns (draw, the invitations sent)."""
    from experts.services import draws

    now = now or at(2026, 3, 2, 9)
    for _ in range(experts):
        make_expert(body)
    sec, supervisor = staff_of(body), UserFactory()
    grant(supervisor, body, Role.SUPERVISOR)
    draw = draws.create_draw(body, actor=sec, now=now, data={
        "purpose": "inspection", "title": "新县企业安全生产检查", "reviewed_unit": "新县鑫源机械制造有限公司",
        "partner_units": [], "project_participants": [], "engagement_start": date(2026, 3, 20),
        "engagement_end": date(2026, 3, 20), "place": "新县工信局三楼会议室", "reply_hours": 24,
        "supervisor": supervisor, "needed": needed})
    draws.freeze_pool(draw, actor=sec, now=now)
    draws.enter_entropy(Draw.objects.get(pk=draw.pk), actor=supervisor, value="31415", source="监督人现场输入",
                        now=now)
    return Draw.objects.get(pk=draw.pk), list(Invitation.objects.filter(draw=draw).order_by("rank"))


def _respond(client, inv, **data):
    return client.post(reverse("experts:invitation-respond", args=[services.signed_link_token(inv)]), data)


def test_the_draw_sends_each_invitation_with_its_signed_link(xx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draw, invs = drawn(xx, needed=2)
    assert len(invs) == 2
    # the token's signature carries a timestamp (seconds), so a token made now may differ from
    # the one sent: read each sent link back and check it resolves to its recipient's invitation
    respond = settings.SITE_URL.rstrip("/") + "/invitations/respond/"
    sent = {m.to[0]: re.findall(re.escape(respond) + r"([^/\s]+)/", m.body)
            for m in mail.outbox if "专家抽取邀请" in m.subject}
    assert sorted(sent) == sorted(i.expert.user.email for i in invs)
    for inv in invs:
        (token,) = sent[inv.expert.user.email]
        assert services.invitation_from_token(token) == inv


def test_the_draw_hands_its_invitations_to_the_worker_after_commit(xx, django_capture_on_commit_callbacks):
    from unittest import mock

    from experts import tasks

    with mock.patch.object(tasks.send_invitations, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            draw, invs = drawn(xx, needed=2)
    delay.assert_called_once_with([i.pk for i in invs])
    assert not Notification.objects.filter(kind="draw_invitation").exists()  # the worker makes them
    assert tasks.send_invitations([i.pk for i in invs]) == 2
    assert tasks.send_invitations([i.pk for i in invs]) == 0  # run twice: nobody is invited twice
    assert Notification.objects.filter(kind="draw_invitation").count() == 2


def test_with_the_broker_down_the_draw_sends_its_invitations_itself(xx, django_capture_on_commit_callbacks, caplog):
    from unittest import mock

    from kombu.exceptions import OperationalError

    from experts import tasks

    with mock.patch.object(tasks.send_invitations, "delay", side_effect=OperationalError("connection refused")):
        with django_capture_on_commit_callbacks(execute=True):
            draw, invs = drawn(xx, needed=2)
    assert Notification.objects.filter(kind="draw_invitation").count() == 2
    assert len([m for m in mail.outbox if "专家抽取邀请" in m.subject]) == 2
    assert "could not be enqueued" in caplog.text


def test_a_reply_at_the_deadline_second_is_accepted(client, xx):
    draw, (inv,) = drawn(xx)
    with time_machine.travel(inv.reply_by, tick=False):
        response = _respond(client, inv, answer="accept")
    assert response.status_code == 302
    inv.refresh_from_db()
    assert (inv.status, inv.reply_channel, inv.replied_at) == (I.ACCEPTED, "link", inv.reply_by)
    assert Draw.objects.get(pk=draw.pk).status == Draw.Status.COMPLETE


def test_a_reply_one_second_after_the_deadline_is_refused_with_the_deadline(client, xx):
    draw, (inv,) = drawn(xx)
    with time_machine.travel(inv.reply_by + timedelta(seconds=1), tick=False):
        response = _respond(client, inv, answer="accept")
    assert response.status_code == 400
    assert services.deadline_display(inv.reply_by) in response.content.decode()
    assert "已过" in response.content.decode()
    assert Invitation.objects.get(pk=inv.pk).status == I.INVITED


def test_a_decline_needs_a_reason_and_changes_nothing_without_one(client, xx):
    draw, (inv,) = drawn(xx)
    with time_machine.travel(inv.invited_at + timedelta(hours=1), tick=False):
        response = _respond(client, inv, answer="decline", reason="  ")
    assert response.status_code == 400
    assert "谢绝邀请或申报回避时须填写理由" in response.content.decode()
    assert Invitation.objects.get(pk=inv.pk).status == I.INVITED
    assert Invitation.objects.filter(draw=draw).count() == 1


def test_a_declared_conflict_is_recorded_and_the_next_rank_is_invited(client, xx):
    draw, (inv,) = drawn(xx)
    with time_machine.travel(inv.invited_at + timedelta(hours=1), tick=False):
        response = _respond(client, inv, answer="conflict", reason="本人曾为被检查单位提供咨询服务")
    assert response.status_code == 302
    inv.refresh_from_db()
    assert (inv.status, inv.reason) == (I.CONFLICT, "本人曾为被检查单位提供咨询服务")
    replacement = Invitation.objects.get(draw=draw, status=I.INVITED)
    assert replacement.rank == 2 and replacement.expert_id != inv.expert_id


def test_a_second_answer_through_the_link_is_refused(client, xx):
    draw, (inv,) = drawn(xx)
    with time_machine.travel(inv.invited_at + timedelta(hours=1), tick=False):
        _respond(client, inv, answer="accept")
        response = _respond(client, inv, answer="decline", reason="临时有事")
        page = client.get(reverse("experts:invitation-respond", args=[services.signed_link_token(inv)]))
    assert response.status_code == 400
    assert "不能重复答复" in response.content.decode()
    assert Invitation.objects.get(pk=inv.pk).status == I.ACCEPTED
    assert "您的答复已记录：已接受" in page.content.decode()


def test_the_logged_in_expert_replies_from_my_invitations(client, xx):
    draw, (inv,) = drawn(xx)
    client.force_login(inv.expert.user)
    with time_machine.travel(inv.invited_at + timedelta(hours=1), tick=False):
        listing = client.get(reverse("experts:my-invitations")).content.decode()
        response = client.post(reverse("experts:invitation-reply", args=[inv.pk]),
                               {"answer": "decline", "reason": "该日另有公务安排"})
    assert reverse("experts:invitation-reply", args=[inv.pk]) in listing
    assert response.status_code == 302
    inv.refresh_from_db()
    assert (inv.status, inv.reply_channel) == (I.DECLINED, "web")
