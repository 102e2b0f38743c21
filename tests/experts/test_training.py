"""Training sessions: capacity enforced under a row lock, enrolment closes when the session
starts, attendance recorded once it has started, the expert's training record."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from experts.models import TrainingEnrolment
from experts.services import training
from experts.services.training import TrainingError
from tests.experts.lifecycle_helpers import at, expert_in, staff_of

pytestmark = pytest.mark.django_db
START = at(2026, 6, 10, 9)


@pytest.fixture
def gd(pools):
    return pools["gd-quality"]


def session(body, sec, capacity=2, **kw):
    return training.create_session(body, actor=sec, topic="质量管理体系审核实务", starts_at=START,
                                   ends_at=START + timedelta(hours=3), place="广州市质促会培训室",
                                   capacity=capacity, now=at(2026, 6, 1), **kw)


def test_capacity_is_enforced(gd):
    sec = staff_of(gd)
    s = session(gd, sec, capacity=2)
    a, b, c = expert_in(gd), expert_in(gd), expert_in(gd)
    training.enrol(s, a, actor=a.user, now=at(2026, 6, 2))
    training.enrol(s, b, actor=b.user, now=at(2026, 6, 2))
    with pytest.raises(TrainingError) as exc:
        training.enrol(s, c, actor=c.user, now=at(2026, 6, 2))
    assert "名额已满" in exc.value.messages[0]
    assert TrainingEnrolment.objects.filter(session=s).count() == 2


def test_enrolling_twice_or_for_someone_else_or_from_another_body_is_refused(gd, pools):
    sec = staff_of(gd)
    s = session(gd, sec)
    a, b, stranger = expert_in(gd), expert_in(gd), expert_in(pools["xx-random"])
    training.enrol(s, a, actor=a.user, now=at(2026, 6, 2))
    with pytest.raises(TrainingError):
        training.enrol(s, a, actor=a.user, now=at(2026, 6, 2))
    with pytest.raises(PermissionDenied):
        training.enrol(s, b, actor=a.user, now=at(2026, 6, 2))
    with pytest.raises(TrainingError):
        training.enrol(s, stranger, actor=stranger.user, now=at(2026, 6, 2))


@pytest.mark.parametrize("when, ok", [(START - timedelta(seconds=1), True), (START, False)])
def test_enrolment_closes_when_the_session_starts(gd, when, ok):
    s = session(gd, staff_of(gd))
    e = expert_in(gd)
    if ok:
        training.enrol(s, e, actor=e.user, now=when)
    else:
        with pytest.raises(TrainingError):
            training.enrol(s, e, actor=e.user, now=when)


def test_attendance_is_recorded_after_the_start(gd):
    sec = staff_of(gd)
    s = session(gd, sec)
    a, b = expert_in(gd), expert_in(gd)
    training.enrol(s, a, actor=a.user, now=at(2026, 6, 2))
    training.enrol(s, b, actor=b.user, now=at(2026, 6, 2))
    with pytest.raises(TrainingError):
        training.record_attendance(s, actor=sec, present_ids=[a.pk], now=START - timedelta(minutes=1))
    assert training.record_attendance(s, actor=sec, present_ids=[a.pk], now=START) == 2
    assert dict(TrainingEnrolment.objects.values_list("expert_id", "attended")) == {a.pk: True, b.pk: False}
    with pytest.raises(TrainingError):
        training.record_attendance(s, actor=sec, present_ids=[expert_in(gd).pk], now=START)


def test_a_session_must_start_in_the_future_and_end_after_it_starts(gd):
    sec = staff_of(gd)
    with pytest.raises(TrainingError) as exc:
        training.create_session(gd, actor=sec, topic="t", starts_at=START, ends_at=START, place="p", capacity=0,
                                now=at(2026, 6, 1))
    assert {"ends_at", "capacity"} <= set(exc.value.message_dict)


def test_training_through_the_views(client, gd, django_assert_max_num_queries):
    sec, expert = staff_of(gd), expert_in(gd)
    client.force_login(sec)
    url = reverse("experts:training-list", args=[gd.key])
    bad = client.post(url, {"topic": "", "starts_at": "2099-06-10T09:00", "ends_at": "2099-06-10T12:00",
                            "place": "p", "capacity": "1"})
    assert bad.status_code == 400
    ok = client.post(url, {"topic": "标准化知识培训", "starts_at": "2099-06-10T09:00", "ends_at": "2099-06-10T12:00",
                           "place": "广州", "capacity": "1"})
    assert ok.status_code == 302
    with django_assert_max_num_queries(12):
        assert "标准化知识培训" in client.get(url).content.decode()
    client.force_login(expert.user)
    home = client.get(reverse("experts:self-dashboard")).content.decode()
    assert "标准化知识培训" in home
    s = expert.body.training_sessions.get()
    assert client.post(reverse("experts:self-training-enrol", args=[s.pk])).status_code == 302
    assert TrainingEnrolment.objects.filter(session=s, expert=expert).exists()
    other = expert_in(gd)
    client.force_login(other.user)
    client.post(reverse("experts:self-training-enrol", args=[s.pk]))
    assert TrainingEnrolment.objects.filter(session=s).count() == 1
    client.force_login(sec)
    detail = client.get(reverse("experts:training-detail", args=[gd.key, s.pk]))
    assert expert.public_name in detail.content.decode()
    refused = client.post(reverse("experts:training-detail", args=[gd.key, s.pk]), {"present": [expert.pk]})
    assert refused.status_code == 400  # the session has not started
