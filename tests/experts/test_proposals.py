"""Quarterly proposals: joint credit, the quarter boundary (Beijing time), reminders at the
start and N working days before the end of the quarter, idempotent reminders, the staff
completion table and its export."""
from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from experts.models import Expert, PoolSettings, Proposal, ProposalReminder
from experts.selectors import stats
from experts.services import proposals
from experts.services.proposals import ProposalError
from portal import workdays
from portal.models import AuditEvent, Notification
from tests.experts.lifecycle_helpers import at, expert_in, pdf, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def jm(pools):
    return pools["jm-storage"]


def submit(expert, when, co=(), **kw):
    kw.setdefault("title", "关于建设储能示范项目的建议")
    kw.setdefault("text", "建议在江门市开展用户侧储能示范。")
    return proposals.submit_proposal(expert, actor=expert.user, co_authors=co, now=when, **kw)


def test_quarter_helpers():
    assert proposals.quarter_of(date(2026, 3, 31)) == (2026, 1)
    assert proposals.quarter_of(date(2026, 4, 1)) == (2026, 2)
    assert proposals.quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert proposals.quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize("year, quarter, n, expected", [(2026, 4, 10, date(2026, 12, 17)),
                                                        (2026, 1, 10, date(2026, 3, 17)),
                                                        (2026, 4, 1, date(2026, 12, 30))])
def test_the_end_reminder_is_n_working_days_before_the_last_day(db, year, quarter, n, expected):
    day = proposals.end_reminder_date(year, quarter, n)
    assert day == expected
    assert workdays.workdays_between(day, proposals.quarter_bounds(year, quarter)[1]) == n


def test_the_last_second_of_a_quarter_counts_for_that_quarter(jm):
    expert = expert_in(jm)
    p1 = submit(expert, at(2026, 3, 31, 23, 59, 59))
    p2 = submit(expert, at(2026, 4, 1, 0, 0, 0))
    assert (p1.year, p1.quarter, p2.year, p2.quarter) == (2026, 1, 2026, 2)


def test_joint_proposals_credit_every_author(jm, django_capture_on_commit_callbacks):
    lead, co1, co2, other = expert_in(jm), expert_in(jm), expert_in(jm), expert_in(jm)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = submit(lead, at(2026, 5, 6), co=[co1, co2], attachment=pdf("测算.pdf"))
    assert sorted(proposal.authors.values_list("pk", flat=True)) == sorted([lead.pk, co1.pk, co2.pk])
    counts = stats.proposal_completion(jm, 2026, [lead, co1, co2, other])
    assert counts[lead.pk] == counts[co1.pk] == counts[co2.pk] == [0, 1, 0, 0]
    assert counts[other.pk] == [0, 0, 0, 0]
    assert Notification.objects.filter(kind="proposal_co_author").count() == 2
    assert AuditEvent.objects.get(action="experts.proposal.submit").data["authors"] == [lead.pk, co1.pk, co2.pk]


def test_a_co_author_from_another_body_is_refused(jm, pools):
    lead, stranger = expert_in(jm), expert_in(pools["gd-quality"])
    with pytest.raises(ProposalError) as exc:
        submit(lead, at(2026, 5, 6), co=[stranger])
    assert "co_authors" in exc.value.message_dict and Proposal.objects.count() == 0


def test_an_empty_title_is_refused_and_someone_else_cannot_submit(jm):
    expert, other = expert_in(jm), expert_in(jm)
    with pytest.raises(ProposalError) as exc:
        submit(expert, at(2026, 5, 6), title=" ")
    assert "title" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        proposals.submit_proposal(expert, actor=other.user, title="t", text="x", now=at(2026, 5, 6))


# ---------------------------------------------------------------------------
# reminders


def test_start_of_quarter_reminds_only_those_without_a_proposal_once(jm):
    done, todo = expert_in(jm), expert_in(jm)
    submit(done, at(2026, 10, 1, 8))
    assert proposals.send_reminders(now=at(2026, 10, 1, 9, 30)) == 1
    assert proposals.send_reminders(now=at(2026, 10, 1, 9, 30)) == 0  # run twice: one reminder
    assert proposals.send_reminders(now=at(2026, 10, 2, 9, 30)) == 0  # the next day: none
    reminder = ProposalReminder.objects.get()
    assert (reminder.expert_id, reminder.year, reminder.quarter, reminder.kind) == (todo.pk, 2026, 4, "start")
    assert Notification.objects.filter(user=todo.user, kind="proposal_reminder_start").count() == 1
    assert not Notification.objects.filter(user=done.user).filter(kind__startswith="proposal_reminder").exists()


def test_the_end_reminder_starts_n_working_days_before_the_quarter_end(jm):
    todo = expert_in(jm)
    proposals.send_reminders(now=at(2026, 10, 1, 9, 30))
    assert proposals.send_reminders(now=at(2026, 12, 16, 9, 30)) == 0  # the day before: nothing new
    assert proposals.send_reminders(now=at(2026, 12, 17, 9, 30)) == 1
    assert proposals.send_reminders(now=at(2026, 12, 17, 18, 0)) == 0
    assert proposals.send_reminders(now=at(2026, 12, 31, 23, 0)) == 0  # last day of the quarter
    assert list(ProposalReminder.objects.filter(expert=todo).order_by("kind").values_list("kind", flat=True)) == [
        "end", "start"]


def test_the_reminder_lead_time_is_a_pool_setting(jm):
    expert_in(jm)
    PoolSettings.objects.filter(body=jm).update(proposal_reminder_workdays=1)
    proposals.send_reminders(now=at(2026, 10, 1, 9, 30))
    assert proposals.send_reminders(now=at(2026, 12, 29, 9, 30)) == 0
    assert proposals.send_reminders(now=at(2026, 12, 30, 9, 30)) == 1


def test_a_task_running_late_in_the_quarter_still_reminds_once(jm):
    expert_in(jm)
    assert proposals.send_reminders(now=at(2026, 11, 20, 9, 30)) == 1
    assert proposals.send_reminders(now=at(2026, 11, 21, 9, 30)) == 0


def test_bodies_without_a_quota_and_inactive_experts_are_not_reminded(jm, pools):
    expert_in(pools["gd-quality"])  # gd-quality has no quarterly quota
    gone = expert_in(jm)
    Expert.objects.filter(pk=gone.pk).update(status=Expert.Status.EXITED)
    assert proposals.send_reminders(now=at(2026, 10, 1, 9, 30)) == 0


def test_the_beat_task_calls_the_service(jm):
    from experts.tasks import remind_quarterly_proposals

    expert_in(jm)
    assert remind_quarterly_proposals() == 1
    assert remind_quarterly_proposals() == 0


# ---------------------------------------------------------------------------
# views


def test_the_expert_submits_a_joint_proposal_through_the_form(client, jm):
    lead, co = expert_in(jm), expert_in(jm)
    client.force_login(lead.user)
    url = reverse("experts:self-proposal", args=[lead.pk])
    assert co.public_name in client.get(url).content.decode()
    response = client.post(url, {"title": "储能安全建议", "text": "内容", "co_authors": [co.pk], "attachment": pdf()})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert set(proposal.authors.all()) == {lead, co}
    listing = client.get(reverse("experts:self-proposals")).content.decode()
    assert "储能安全建议" in listing
    download = client.get(reverse("experts:proposal-attachment", args=[proposal.pk]))
    assert download.status_code == 200


def test_the_proposal_form_refuses_an_empty_text(client, jm):
    lead = expert_in(jm)
    client.force_login(lead.user)
    response = client.post(reverse("experts:self-proposal", args=[lead.pk]), {"title": "t", "text": ""})
    assert response.status_code == 400 and Proposal.objects.count() == 0


def test_the_completion_table_has_constant_queries_and_exports(client, jm, django_assert_max_num_queries):
    sec = staff_of(jm)
    client.force_login(sec)
    first = expert_in(jm)
    submit(first, at(2026, 2, 3))
    url = reverse("experts:proposal-completion", args=[jm.key]) + "?year=2026"
    with django_assert_max_num_queries(12):
        one = client.get(url)
    others = [expert_in(jm) for _i in range(8)]
    submit(others[0], at(2026, 8, 3), co=[others[1]])
    with django_assert_max_num_queries(12):
        many = client.get(url)
    assert one.status_code == many.status_code == 200
    assert many.content.decode().count(first.public_name) == 1
    export = client.get(url + "&format=xlsx")
    ws = load_workbook(BytesIO(export.content)).active
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[first.public_name][3:5] == (1, "是")
    assert rows[others[1].public_name][7:9] == (1, "是")
    assert rows[others[2].public_name][3:5] == (0, "否")
