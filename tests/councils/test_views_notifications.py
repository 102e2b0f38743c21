"""Every notification template CORE's services name (councils/services/__init__.py) exists and
renders in Chinese with the objects the services pass."""
import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

import councils.services
from councils.models import Minutes, Petition
from councils.services import meetings, membership, votes
from tests.councils.factories import build_council
from tests.factories import UserFactory

NAMES = re.findall(r"^- (council_\w+)\s", councils.services.__doc__, flags=re.M)


def test_the_services_list_their_templates():
    assert len(NAMES) >= 15 and "council_meeting_notified" in NAMES


@pytest.mark.django_db
def test_every_council_notification_template_renders(bodies):
    jx = build_council(bodies["jx-base"], units=6, vice_chairs=1, extra_units=3)
    user = UserFactory(name="收件人 王")
    now = timezone.now()
    meeting = meetings.create_meeting(jx.council, actor=jx.staff, title="第一次全体会议", starts_at=now + timedelta(days=20),
                                      ends_at=now + timedelta(days=20, hours=2), convener=jx.chair, place="南昌会议室")
    meetings.notify_meeting(meeting, actor=jx.staff)
    item = meetings.propose_agenda_item(meeting, actor=jx.staff, title="年度报告")
    motion = votes.create_motion(jx.council, actor=jx.staff, meeting=meeting, title="关于年度报告的决议")
    petition = Petition.objects.create(council=jx.council, reason="审议预算", created_by=user, created_at=now)
    application = membership.submit_unit_application(jx.council, actor=user, unit_name="新单位", contact_name="李",
                                                     contact_phone="13800000000")
    minutes = Minutes.objects.create(meeting=meeting, text="纪要")
    objects = {"Seat": jx.seats[1], "UnitApplication": application, "Meeting": meeting, "AgendaItem": item,
               "Petition": petition, "Motion": motion, "Minutes": minutes, "Council": jx.council}
    extra = {"reason": "任期届满", "agenda_closes": now, "signed": 3, "units": 9, "needed": 3, "closes": now,
             "summary": "通过：出席 7 人中同意 5 票，需 5 票", "year": 2026, "held": 0, "required": 1}
    doc = councils.services.__doc__
    for name in NAMES:
        kind = re.search(rf"^- {name}\s.*object=(\w+)", doc, flags=re.M).group(1)
        text = render_to_string(f"notifications/{name}.txt", {"user": user, "object": objects[kind],
                                                               "body": jx.council.body, "url": "/", **extra})
        assert text.startswith("收件人 王，您好："), (name, text)
        assert "{{" not in text and "None" not in text, (name, text)
