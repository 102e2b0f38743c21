"""Council pages (councils.views): permissions per body and seat, forms with bad input (a clear
message and no change), the live quorum partial, check-in by staff and by link, votes opened only
while quorate, ballots and their change, the result line, minutes signed by the convener only,
the public register without personal data, and constant query counts of lists, the meeting page
and the tally."""
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from councils.models import Attendance, Ballot, Meeting, Minutes, Motion, Resolution, Seat
from councils.services import attendance, meetings, minutes, votes
from portal.models import Role
from tests.councils.factories import build_council, staff
from tests.factories import UserFactory, grant


@pytest.fixture
def jx(bodies):
    """jx-base: 9 unit seats (chair, 3 vice-chairs, 5 members), 27 member units in all (leaders ≤ 1/3)."""
    return build_council(bodies["jx-base"], units=9, vice_chairs=3, extra_units=18, number_prefix="赣创理决")


@pytest.fixture
def live(jx):
    """A meeting in progress now (started 10 minutes ago), notified."""
    now = timezone.now()
    m = meetings.create_meeting(jx.council, actor=jx.staff, title="第一次全体会议", starts_at=now - timedelta(minutes=10),
                                ends_at=now + timedelta(hours=2), convener=jx.chair, place="会议室")
    meetings.notify_meeting(m, actor=jx.staff, now=now - timedelta(days=10))
    meetings.start_meeting(m, actor=jx.staff)
    m.refresh_from_db()
    return m


def check_in_all(built, meeting, seats):
    for s in seats:
        attendance.check_in(meeting, s, actor=built.staff, attendee=built.voter(s))


def url(name, *args):
    return reverse(f"councils:{name}", args=args)


# --------------------------------------------------------------------------- permissions

@pytest.mark.django_db
def test_anonymous_is_sent_to_login_everywhere_but_the_register(client, jx, live):
    for path in [url("council-detail", jx.council.pk), url("meeting-list", jx.council.pk),
                 url("meeting-detail", live.pk), url("meeting-quorum", live.pk), url("petitions", jx.council.pk)]:
        resp = client.get(path)
        assert resp.status_code == 302 and "/login/" in resp["Location"], path
    assert client.get(url("resolution-register")).status_code == 200
    assert client.get(url("home")).status_code == 200


@pytest.mark.django_db
def test_other_bodys_staff_get_403_and_members_cannot_manage(client, bodies, jx, live):
    other = staff(bodies["jm-storage"])
    client.force_login(other)
    for path in [url("council-detail", jx.council.pk), url("meeting-detail", live.pk), url("seat-new", jx.council.pk),
                 url("meeting-quorum", live.pk), url("minutes", live.pk)]:
        assert client.get(path).status_code == 403, path
    assert client.post(url("meeting-close", live.pk)).status_code == 403
    live.refresh_from_db()
    assert live.status == Meeting.Status.IN_PROGRESS
    member = jx.voter(jx.seats[-1])  # a seat holder without any body role
    client.force_login(member)
    assert client.get(url("council-detail", jx.council.pk)).status_code == 200
    assert client.get(url("seat-new", jx.council.pk)).status_code == 403
    assert client.post(url("meeting-staff-check", live.pk, jx.seats[0].pk, "in")).status_code == 403
    assert not Attendance.objects.filter(meeting=live).exists()
    client.force_login(UserFactory())  # logged in, no role, no seat
    assert client.get(url("council-detail", jx.council.pk)).status_code == 403


@pytest.mark.django_db
def test_missing_objects_are_404(client, jx):
    client.force_login(jx.staff)
    assert client.get(url("meeting-detail", 999999)).status_code == 404
    assert client.get(url("resolution-detail", 999999)).status_code == 404


# --------------------------------------------------------------------------- council page and forms

@pytest.mark.django_db
def test_council_page_shows_seats_units_and_the_leaders_indicator(client, jx):
    client.force_login(jx.staff)
    resp = client.get(url("council-detail", jx.council.pk))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "领导成员人数符合规定" in html and "领导成员 4 人，成员单位 27 家，上限 9 人" in html
    assert html.count('data-testid="seat-row"') == 9
    assert "成员单位001" in html and "未任职单位018" in html


@pytest.mark.django_db
def test_appoint_seat_form_rejects_bad_input_without_change(client, jx):
    client.force_login(jx.staff)
    before = Seat.objects.count()
    unit = jx.units[-1]
    # neither holder nor unit
    resp = client.post(url("seat-new", jx.council.pk), {"role": "member"})
    assert "请填写担任人，或选择成员单位（二者选一）。" in resp.content.decode()
    # unknown account
    resp = client.post(url("seat-new", jx.council.pk), {"role": "member", "unit": unit.pk,
                                                        "representative": "nobody@example.cn"})
    assert "找不到账号“nobody@example.cn”" in resp.content.decode()
    # the service's rule: a person already seated cannot take a second seat
    seated = jx.voter(jx.seats[1])
    resp = client.post(url("seat-new", jx.council.pk), {"role": "member", "unit": unit.pk,
                                                        "representative": seated.email})
    assert resp.status_code == 200 and "errorlist" in resp.content.decode() or "alert" in resp.content.decode()
    assert Seat.objects.count() == before
    rep = UserFactory()
    resp = client.post(url("seat-new", jx.council.pk), {"role": "member", "unit": unit.pk, "representative": rep.email})
    assert resp.status_code == 302
    assert Seat.objects.get(unit=unit).representative == rep


@pytest.mark.django_db
def test_meeting_form_refuses_end_before_start_and_creates_nothing(client, jx):
    client.force_login(jx.staff)
    start = (timezone.localtime() + timedelta(days=30)).replace(second=0, microsecond=0)
    data = {"title": "临时会议", "kind": "special", "mode": "in_person", "place": "会议室",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "convener": jx.chair.pk}
    resp = client.post(url("meeting-new", jx.council.pk), data)
    assert "结束时间须晚于开始时间。" in resp.content.decode()
    assert not Meeting.objects.exists()
    data["ends_at"] = (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(url("meeting-new", jx.council.pk), data)
    meeting = Meeting.objects.get()
    assert resp.status_code == 302 and resp["Location"] == meeting.get_absolute_url()
    assert (meeting.title, meeting.status, meeting.convener) == ("临时会议", Meeting.Status.DRAFT, jx.chair)


# --------------------------------------------------------------------------- quorum and attendance

@pytest.mark.django_db
def test_quorum_partial_shows_the_composite_rule_in_text(client, jx, live):
    client.force_login(jx.staff)
    # 6 of 9 present (2/3 exactly) but only 2 vice-chairs: not quorate because of the vice-chairs
    chair, v1, v2, v3, *members = jx.seats
    check_in_all(jx, live, [chair, v1, v2] + members[:3])
    html = client.get(url("meeting-quorum", live.pk)).content.decode()
    assert "未达到法定人数" in html and 'data-ok="false"' in html
    assert "出席 6/9，需 6（且副理事长 ≥ 3：到 2）" in html
    assert 'hx-trigger="every 3s"' in html
    check_in_all(jx, live, [v3])
    html = client.get(url("meeting-quorum", live.pk)).content.decode()
    assert "已达到法定人数" in html and "出席 7/9，需 6（且副理事长 ≥ 3：到 3）" in html


@pytest.mark.django_db
def test_staff_check_in_and_out_per_seat_with_substitute(client, jx, live):
    client.force_login(jx.staff)
    seat = jx.seats[4]
    resp = client.post(url("meeting-staff-check", live.pk, seat.pk, "in"), {"attendee": "substitute"})
    assert resp.status_code == 302
    row = Attendance.objects.get(meeting=live, seat=seat)
    assert (row.attendee, row.as_substitute, row.method, row.checked_out_at) == (seat.substitute, True, "staff", None)
    # the representative cannot check in while the substitute is present: a clear message, no row
    resp = client.post(url("meeting-staff-check", live.pk, seat.pk, "in"), follow=True)
    assert "代表与替补代表不能同时出席" in resp.content.decode()
    assert Attendance.objects.filter(meeting=live, seat=seat).count() == 1
    client.post(url("meeting-staff-check", live.pk, seat.pk, "out"))
    row.refresh_from_db()
    assert row.checked_out_at is not None


@pytest.mark.django_db
def test_member_checks_in_by_link_only_with_the_token_and_in_the_window(client, jx, live):
    seat = jx.seats[5]
    client.force_login(seat.substitute)
    page = client.get(url("meeting-checkin", live.pk, live.checkin_token) + "?via=qr")
    assert "您是本单位的候补代表，将代表本单位出席。" in page.content.decode()
    assert client.get(url("meeting-checkin", live.pk, "wrong-token")).status_code == 404
    resp = client.post(url("meeting-checkin", live.pk, live.checkin_token), {"seat": seat.pk, "via": "qr"})
    assert resp.status_code == 302
    row = Attendance.objects.get(meeting=live, seat=seat)
    assert (row.attendee, row.as_substitute, row.method) == (seat.substitute, True, "qr")
    # someone else's seat: 403, nothing recorded
    other = jx.seats[6]
    assert client.post(url("meeting-checkin", live.pk, live.checkin_token), {"seat": other.pk}).status_code == 403
    # outside the window the page says so and the service refuses
    live.starts_at = timezone.now() + timedelta(days=3)
    live.ends_at = live.starts_at + timedelta(hours=2)
    live.save()
    client.force_login(other.representative)
    page = client.get(url("meeting-checkin", live.pk, live.checkin_token)).content.decode()
    assert "现在不在签到时间内" in page
    resp = client.post(url("meeting-checkin", live.pk, live.checkin_token), {"seat": other.pk}, follow=True)
    assert "不在会议签到时间内。" in resp.content.decode()
    assert not Attendance.objects.filter(meeting=live, seat=other).exists()


@pytest.mark.django_db
def test_meeting_page_shows_qr_svg_to_staff_and_exports_attendance(client, jx, live):
    check_in_all(jx, live, jx.seats[:2])
    client.force_login(jx.staff)
    html = client.get(url("meeting-detail", live.pk)).content.decode()
    assert "<svg" in html and "会议签到二维码" in html and live.checkin_token in html
    resp = client.get(url("attendance-export", live.pk))
    sheet = load_workbook(BytesIO(resp.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("席位", "职务", "出席人") and len(rows) == 3
    client.force_login(jx.voter(jx.seats[3]))  # members see neither the QR code nor staff buttons
    html = client.get(url("meeting-detail", live.pk)).content.decode()
    assert "<svg" not in html and "meeting-actions" not in html and "签到 / 签退" in html


# --------------------------------------------------------------------------- agenda

@pytest.mark.django_db
def test_late_agenda_item_is_marked_and_only_the_chair_decides(client, jx):
    now = timezone.now()
    m = meetings.create_meeting(jx.council, actor=jx.staff, title="例会", starts_at=now + timedelta(days=1),
                                ends_at=now + timedelta(days=1, hours=2), convener=jx.chair, place="会议室")
    meetings.notify_meeting(m, actor=jx.staff)  # 5 working days: the window is already closed
    member = jx.voter(jx.seats[6])
    client.force_login(member)
    resp = client.post(url("agenda-propose", m.pk), {"title": "增补议题", "description": ""}, follow=True)
    assert "本议题标记为逾期，须经理事长批准" in resp.content.decode()
    item = m.agenda_items.get()
    assert (item.late, item.status) == (True, "pending_chair")
    assert client.post(url("agenda-decide", item.pk), {"decision": "accept"}).status_code == 403
    client.force_login(jx.chair)
    assert "同意列入" in client.get(url("meeting-detail", m.pk)).content.decode()
    client.post(url("agenda-decide", item.pk), {"decision": "accept"})
    item.refresh_from_db()
    assert item.status == "accepted" and item.decided_by == jx.chair


# --------------------------------------------------------------------------- votes

def _motion(jx, meeting, kind="ordinary", **kw):
    return votes.create_motion(jx.council, actor=jx.staff, meeting=meeting, title="关于年度计划的决议", text="同意。",
                               kind=kind, **kw)


@pytest.mark.django_db
def test_open_vote_is_refused_with_the_reason_when_not_quorate(client, jx, live):
    motion = _motion(jx, live)
    check_in_all(jx, live, jx.seats[:5])
    client.force_login(jx.chair)
    resp = client.post(url("motion-open", motion.pk), follow=True)
    assert "未达到法定人数，不能开始表决：出席 5/9，需 6" in resp.content.decode()
    motion.refresh_from_db()
    assert motion.status == Motion.Status.DRAFT


@pytest.mark.django_db
def test_members_vote_change_their_ballot_and_the_result_shows(client, jx, live):
    motion = _motion(jx, live, public=True)
    check_in_all(jx, live, jx.seats[:7])
    client.force_login(jx.chair)
    client.post(url("motion-open", motion.pk))
    motion.refresh_from_db()
    assert motion.status == Motion.Status.OPEN and motion.present_count == 7
    voter_seat = jx.seats[4]
    client.force_login(jx.voter(voter_seat))
    page = client.get(url("motion-detail", motion.pk)).content.decode()
    assert "赞成" in page and "反对" in page and "弃权" in page and "基数：出席 7 人，通过需赞成 5 票" in page
    client.post(url("motion-ballot", motion.pk), {"seat": voter_seat.pk, "choice": "no"})
    client.post(url("motion-ballot", motion.pk), {"seat": voter_seat.pk, "choice": "yes"})
    ballot = Ballot.objects.get(motion=motion, seat=voter_seat)
    assert (ballot.choice, ballot.changes) == ("yes", 1)
    page = client.get(url("motion-detail", motion.pk)).content.decode()
    assert "当前意见：<strong>赞成</strong>" in page and "已修改 1 次" in page
    # a bad choice changes nothing; an absent seat cannot vote
    resp = client.post(url("motion-ballot", motion.pk), {"seat": voter_seat.pk, "choice": "maybe"}, follow=True)
    assert "请选择赞成、反对或弃权。" in resp.content.decode()
    ballot.refresh_from_db()
    assert ballot.choice == "yes"
    absent = jx.seats[8]
    client.force_login(jx.voter(absent))
    resp = client.post(url("motion-ballot", motion.pk), {"seat": absent.pk, "choice": "yes"}, follow=True)
    assert "该席位不在本次表决名册中" in resp.content.decode()
    for seat in jx.seats[:4]:
        votes.cast_ballot(motion, seat, actor=jx.voter(seat), choice="yes")
    client.force_login(jx.chair)
    client.post(url("motion-close", motion.pk))
    html = client.get(url("motion-detail", motion.pk)).content.decode()
    assert "通过：赞成 5 票，出席 7 人，需 5 票" in html
    resolution = Resolution.objects.get(motion=motion)
    assert resolution.number.startswith("赣创理决〔") and resolution.number in html


@pytest.mark.django_db
def test_written_vote_is_requested_by_staff_and_approved_by_the_chair_only(client, jx):
    client.force_login(jx.staff)
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(url("written-votes", jx.council.pk), {"title": "书面审议", "text": "同意。", "kind": "major",
                                                             "closes_at": "2020-01-01T10:00"})
    assert "截止时间须晚于现在。" in resp.content.decode() and not Motion.objects.exists()
    client.post(url("written-votes", jx.council.pk), {"title": "书面审议", "text": "同意。", "kind": "major",
                                                      "closes_at": closes})
    motion = Motion.objects.get()
    assert (motion.written, motion.status) == (True, Motion.Status.PENDING_CHAIR)
    assert client.post(url("motion-approve", motion.pk)).status_code == 403
    client.force_login(jx.chair)
    client.post(url("motion-approve", motion.pk))
    motion.refresh_from_db()
    assert motion.status == Motion.Status.OPEN and motion.members_count == 9


# --------------------------------------------------------------------------- minutes

@pytest.fixture
def closed(jx, live):
    check_in_all(jx, live, jx.seats[:7])
    meetings.close_meeting(live, actor=jx.staff)
    live.refresh_from_db()
    return live


@pytest.mark.django_db
def test_minutes_are_drafted_prefilled_signed_by_the_convener_only_and_locked(client, jx, closed):
    client.force_login(jx.staff)
    client.post(url("minutes-draft", closed.pk))
    m = Minutes.objects.get(meeting=closed)
    assert "应到 9 席，实到 7 席" in m.text and len(m.content["attendance"]) == 7
    resp = client.post(url("minutes", closed.pk), {"text": ""})
    assert "这个字段是必填项" in resp.content.decode() or "必填" in resp.content.decode()
    m.refresh_from_db()
    assert m.text
    client.post(url("minutes", closed.pk), {"text": "会议纪要正文。"})
    client.post(url("minutes-submit", closed.pk))
    m.refresh_from_db()
    assert (m.text, m.status) == ("会议纪要正文。", Minutes.Status.REVIEW)
    assert client.get(url("minutes-sign", closed.pk)).status_code == 403  # staff are not the convener
    client.force_login(jx.chair)
    resp = client.post(url("minutes-sign", closed.pk), {})
    assert "这个字段是必填项" in resp.content.decode() or "必填" in resp.content.decode()
    m.refresh_from_db()
    assert m.status == Minutes.Status.REVIEW
    client.post(url("minutes-sign", closed.pk), {"confirm": "on"})
    m.refresh_from_db()
    assert m.status == Minutes.Status.SIGNED and m.signed_by == jx.chair and len(m.content_hash) == 64
    html = client.get(url("minutes", closed.pk)).content.decode()
    assert m.content_hash in html and "已锁定" in html
    pdf = client.get(url("minutes-pdf", closed.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_members_read_minutes_only_once_signed(client, jx, closed):
    minutes.draft_minutes(closed, actor=jx.staff, text="草稿")
    member = jx.voter(jx.seats[7])
    client.force_login(member)
    assert client.get(url("minutes", closed.pk)).status_code == 404
    assert client.get(url("minutes-pdf", closed.pk)).status_code == 404


# --------------------------------------------------------------------------- public register

@pytest.mark.django_db
def test_public_register_lists_public_resolutions_without_personal_data(client, jx, live):
    check_in_all(jx, live, jx.seats[:7])
    public = _motion(jx, live, public=True)
    private = votes.create_motion(jx.council, actor=jx.staff, meeting=live, title="内部事项", kind="ordinary")
    for motion in (public, private):
        votes.open_motion(motion, actor=jx.staff)
        motion.refresh_from_db()
        for seat in jx.seats[:7]:
            votes.cast_ballot(motion, seat, actor=jx.voter(seat), choice="yes")
        votes.close_motion(motion, actor=jx.staff)
    html = client.get(url("resolution-register")).content.decode()
    assert "关于年度计划的决议" in html and "内部事项" not in html
    for seat in jx.seats:
        assert seat.representative.name not in html
    r = Resolution.objects.get(motion=public)
    page = client.get(url("resolution-detail", r.pk)).content.decode()
    assert r.number in page
    assert client.get(url("resolution-detail", Resolution.objects.get(motion=private).pk)).status_code == 404


# --------------------------------------------------------------------------- query counts

@pytest.mark.django_db
def test_meeting_list_and_detail_and_tally_use_constant_queries(client, jx, live, django_assert_max_num_queries):
    client.force_login(jx.staff)
    motion = _motion(jx, live)
    check_in_all(jx, live, jx.seats[:2])

    def measure():
        with django_assert_max_num_queries(30):
            assert client.get(url("meeting-list", jx.council.pk)).status_code == 200
        with django_assert_max_num_queries(40):
            assert client.get(url("meeting-detail", live.pk)).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(url("motion-tally", motion.pk)).status_code == 200

    measure()
    small = _count(client, [url("meeting-list", jx.council.pk), url("meeting-detail", live.pk)])
    now = timezone.now()
    for i in range(12):
        meetings.create_meeting(jx.council, actor=jx.staff, title=f"会议{i}", starts_at=now + timedelta(days=40 + i),
                                ends_at=now + timedelta(days=40 + i, hours=1), convener=jx.chair, place="会议室")
    check_in_all(jx, live, jx.seats[2:])
    for i in range(3):
        meetings.propose_agenda_item(live, actor=jx.staff, title=f"议题{i}") if live.status == "notified" else None
        _motion(jx, live)
    votes.open_motion(motion, actor=jx.staff)
    motion.refresh_from_db()
    for seat in jx.seats:
        votes.cast_ballot(motion, seat, actor=jx.voter(seat), choice="yes")
    measure()
    assert _count(client, [url("meeting-list", jx.council.pk), url("meeting-detail", live.pk)]) == small


def _count(client, paths):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out = []
    for p in paths:
        with CaptureQueriesContext(connection) as ctx:
            client.get(p)
        out.append(len(ctx.captured_queries))
    return out


@pytest.mark.django_db
def test_petition_progress_and_signing_by_unit_representatives(client, jx):
    rep = jx.voter(jx.seats[4])
    client.force_login(rep)
    client.post(url("petitions", jx.council.pk), {"reason": "请求召开临时会议审议预算调整。"})
    html = client.get(url("petitions", jx.council.pk)).content.decode()
    assert "1 / 27 家单位已签署，需 9 家" in html and "本单位已签署" in html
    other = jx.seats[5].substitute
    client.force_login(other)
    page = client.get(url("petitions", jx.council.pk)).content.decode()
    assert "代表本单位签署" in page
    from councils.models import Petition

    petition = Petition.objects.get()
    client.post(url("petition-sign", petition.pk))
    html = client.get(url("petitions", jx.council.pk)).content.decode()
    assert "2 / 27 家单位已签署，需 9 家" in html
    resp = client.post(url("petition-sign", petition.pk), follow=True)
    assert "本单位已签署该提议。" in resp.content.decode()
    assert petition.signatures.count() == 2


@pytest.mark.django_db
def test_unit_application_form_for_any_logged_in_user(client, jx):
    client.force_login(UserFactory())
    resp = client.post(url("unit-apply", jx.council.pk), {"name": "江西某新材料有限公司", "credit_code": "123",
                                                          "contact_name": "王五", "contact_phone": "13800000000",
                                                          "reason": "申请加入"})
    assert "统一社会信用代码应为 18 位。" in resp.content.decode()
    assert not jx.council.unit_applications.exists()
    client.post(url("unit-apply", jx.council.pk), {"name": "江西某新材料有限公司", "credit_code": "91360100MA35XXXX0X",
                                                   "contact_name": "王五", "contact_phone": "13800000000",
                                                   "reason": "申请加入"})
    app = jx.council.unit_applications.get()
    assert (app.unit_name, app.status) == ("江西某新材料有限公司", "submitted")
    client.force_login(jx.staff)
    assert "江西某新材料有限公司" in client.get(url("applications", jx.council.pk)).content.decode()


@pytest.mark.django_db
def test_secretariat_role_grants_access_to_every_council_page(client, bodies, jx, live):
    sec = UserFactory()
    grant(sec, bodies["jx-base"], Role.SECRETARIAT)
    client.force_login(sec)
    motion = _motion(jx, live)
    for path in [url("council-detail", jx.council.pk), url("meeting-list", jx.council.pk), url("meeting-new", jx.council.pk),
                 url("seat-new", jx.council.pk), url("unit-new", jx.council.pk), url("applications", jx.council.pk),
                 url("petitions", jx.council.pk), url("written-votes", jx.council.pk), url("meeting-detail", live.pk),
                 url("motion-new", live.pk), url("motion-detail", motion.pk), url("motion-tally", motion.pk),
                 url("seat-end", jx.seats[8].pk), url("unit-remove", jx.units[-1].pk), url("minutes", live.pk),
                 url("body-councils", "jx-base"), url("home")]:
        assert client.get(path).status_code == 200, path


@pytest.mark.django_db
def test_unit_application_goes_to_a_meeting_vote_and_the_unit_is_admitted(client, jx, live):
    from councils.services import membership

    app = membership.submit_unit_application(jx.council, actor=UserFactory(), unit_name="江西新材料研究院",
                                             contact_name="王五", contact_phone="13800000000", reason="申请加入")
    client.force_login(jx.staff)
    html = client.get(url("applications", jx.council.pk)).content.decode()
    link = f'{url("motion-new", live.pk)}?application={app.pk}'
    assert link.replace("&", "&amp;") in html or link in html
    form = client.get(link).content.decode()
    assert "关于接纳“江西新材料研究院”为成员单位的决议" in form
    resp = client.post(url("motion-new", live.pk), {"title": "关于接纳的决议", "text": "同意。", "kind": "unit_admission"})
    assert "接纳成员单位须选择入会申请。" in resp.content.decode() and not Motion.objects.exists()
    client.post(url("motion-new", live.pk), {"title": "关于接纳的决议", "text": "同意。", "kind": "unit_admission",
                                             "unit_application": app.pk})
    motion = Motion.objects.get()
    check_in_all(jx, live, jx.seats[:7])
    votes.open_motion(motion, actor=jx.staff)
    motion.refresh_from_db()
    for seat in jx.seats[:7]:
        votes.cast_ballot(motion, seat, actor=jx.voter(seat), choice="yes")
    client.post(url("motion-close", motion.pk))
    app.refresh_from_db()
    assert app.status == "admitted"
    assert jx.council.units.filter(name="江西新材料研究院", status="active").exists()


@pytest.mark.django_db
def test_reached_petition_is_convened_by_the_secretariat(client, jx):
    from councils.models import Petition

    petition = meetings.start_petition(jx.council, actor=jx.voter(jx.seats[0]), reason="审议预算调整")
    for seat in jx.seats[1:9]:
        meetings.sign_petition(petition, actor=jx.voter(seat))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.REACHED
    client.force_login(jx.staff)
    assert "召集临时会议" in client.get(url("petitions", jx.council.pk)).content.decode()
    start = (timezone.localtime() + timedelta(days=7)).replace(second=0, microsecond=0)
    resp = client.post(url("petition-convene", petition.pk), {
        "title": "临时全体会议", "kind": "special", "mode": "in_person", "place": "会议室", "convener": jx.chair.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    meeting = Meeting.objects.get()
    assert resp.status_code == 302 and meeting.ad_hoc and meeting.petition == petition
    petition.refresh_from_db()
    assert petition.status == Petition.Status.CONVENED


@pytest.mark.django_db
def test_election_with_candidates_through_the_pages(client, jx, live):
    a, b = UserFactory(name="候选人甲"), UserFactory(name="候选人乙")
    client.force_login(jx.staff)
    resp = client.post(url("motion-new", live.pk), {"title": "选举秘书长", "text": "差额选举", "kind": "election",
                                                    "role_to_fill": "secretary_general", "seats_to_fill": 1,
                                                    "candidates": "nobody@example.cn"})
    assert "找不到候选人账号“nobody@example.cn”。" in resp.content.decode() and not Motion.objects.exists()
    client.post(url("motion-new", live.pk), {"title": "选举秘书长", "text": "差额选举", "kind": "election",
                                             "role_to_fill": "secretary_general", "seats_to_fill": 1,
                                             "candidates": f"{a.email}\n{b.email}"})
    motion = Motion.objects.get()
    assert list(motion.candidates.values_list("name", flat=True)) == ["候选人甲", "候选人乙"]
    check_in_all(jx, live, jx.seats[:7])
    votes.open_motion(motion, actor=jx.staff)
    cand_a, cand_b = motion.candidates.order_by("pk")
    for seat in jx.seats[:7]:
        client.force_login(jx.voter(seat))
        client.post(url("motion-ballot", motion.pk), {"seat": seat.pk, f"s{seat.pk}-c{cand_a.pk}": "yes",
                                                      f"s{seat.pk}-c{cand_b.pk}": "no"})
    assert Ballot.objects.filter(motion=motion).count() == 7
    client.force_login(jx.staff)
    client.post(url("motion-close", motion.pk))
    html = client.get(url("motion-detail", motion.pk)).content.decode()
    assert "选举产生当选人" in html and "当选" in html
    assert Seat.objects.filter(council=jx.council, holder=a, role="secretary_general", status="active").exists()


@pytest.mark.django_db
def test_council_lists_keep_their_query_count_as_rows_grow(client, jx, live):
    from councils.models import Petition
    from councils.services import membership

    client.force_login(jx.staff)
    paths = [url("council-detail", jx.council.pk), url("petitions", jx.council.pk), url("written-votes", jx.council.pk),
             url("applications", jx.council.pk), url("resolution-register"), url("home")]

    def add_rows(n, tag):
        now = timezone.now()
        for i in range(n):
            Petition.objects.create(council=jx.council, reason=f"提议{tag}{i}", created_by=jx.chair, created_at=now)
            membership.submit_unit_application(jx.council, actor=UserFactory(), unit_name=f"申请单位{tag}{i}",
                                               contact_name="李", contact_phone="13800000000")
            m = votes.create_motion(jx.council, actor=jx.staff, title=f"书面{tag}{i}")
            votes.request_written_vote(m, actor=jx.staff, closes_at=now + timedelta(days=3))
        check_in_all(jx, live, [s for s in jx.seats if not Attendance.objects.filter(meeting=live, seat=s).exists()])
        for i in range(n):
            m = _motion(jx, live, public=True)
            votes.open_motion(m, actor=jx.staff)
            m.refresh_from_db()
            for seat in jx.seats:
                votes.cast_ballot(m, seat, actor=jx.voter(seat), choice="yes")
            votes.close_motion(m, actor=jx.staff)

    add_rows(1, "a")
    one = _count(client, paths)
    add_rows(6, "b")
    assert _count(client, paths) == one
    assert max(one) <= 30


def test_deadlines_at_midnight_read_as_24_00_of_the_day_before():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from councils.views.meetings import end_time_text

    tz = ZoneInfo("Asia/Shanghai")
    assert end_time_text(datetime(2026, 11, 19, 0, 0, tzinfo=tz)) == "2026年11月18日 24:00"
    assert end_time_text(datetime(2026, 11, 19, 9, 30, tzinfo=tz)) == "2026年11月19日 09:30"
    assert end_time_text(None) == ""


@pytest.mark.django_db
def test_seat_renewal_motion_cancel_resolution_publish_and_petition_withdrawal(client, jx, live):
    from councils.models import Petition

    seat = jx.seats[8]
    client.force_login(jx.voter(seat))  # members cannot renew
    assert client.post(url("seat-renew", seat.pk)).status_code == 403
    client.force_login(jx.staff)
    client.post(url("seat-renew", seat.pk))
    seat.refresh_from_db()
    renewed = Seat.objects.get(council=jx.council, unit=seat.unit, status="active")
    assert seat.status == "ended" and renewed.term_start == seat.term_end + timedelta(days=1)

    draft = _motion(jx, live)
    client.post(url("motion-cancel", draft.pk))
    draft.refresh_from_db()
    assert draft.status == Motion.Status.CANCELLED

    check_in_all(jx, live, jx.seats[:7])
    internal = _motion(jx, live, public=False)
    votes.open_motion(internal, actor=jx.staff)
    internal.refresh_from_db()
    for s in jx.seats[:7]:
        votes.cast_ballot(internal, s, actor=jx.voter(s), choice="yes")
    votes.close_motion(internal, actor=jx.staff)
    resolution = Resolution.objects.get(motion=internal)
    assert not resolution.public and resolution.number not in client.get(url("resolution-register")).content.decode()
    assert "在登记簿公开" in client.get(url("motion-detail", internal.pk)).content.decode()
    client.post(url("resolution-publish", internal.pk))
    resolution.refresh_from_db()
    assert resolution.public and resolution.number in client.get(url("resolution-register")).content.decode()

    starter = jx.voter(jx.seats[3])
    petition = meetings.start_petition(jx.council, actor=starter, reason="提议")
    client.force_login(jx.voter(jx.seats[4]))  # only the one who started it may withdraw
    client.post(url("petition-withdraw", petition.pk))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.OPEN
    client.force_login(starter)
    assert "撤回提议" in client.get(url("petitions", jx.council.pk)).content.decode()
    client.post(url("petition-withdraw", petition.pk))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.WITHDRAWN
