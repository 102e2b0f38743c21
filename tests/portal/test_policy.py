from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.models import AuditEvent, Policy, Role
from portal.policy import PolicyError, update_policy
from portal.seed_bodies import BODIES
from tests.factories import UserFactory, grant


@pytest.fixture
def secretary(bodies):
    user = UserFactory(name="秘书")
    grant(user, bodies["jx-base"], Role.SECRETARIAT)
    return user


@pytest.mark.django_db
def test_seed_bodies_carry_the_seeds_values_and_clauses(bodies):
    jx = bodies["jx-base"].policy
    assert jx.fraction("quorum") == Fraction(2, 3)
    assert jx.min_vice_chairs_present == 3
    assert jx.agenda_lead_workdays == 5
    assert "第二十二条" in jx.citations["min_vice_chairs_present"]
    gd = bodies["gd-quality"].policy
    assert (gd.notice_workdays, gd.objection_decision_workdays, gd.age_limit) == (7, 15, 65)
    xx = bodies["xx-random"].policy
    assert (xx.notice_workdays, xx.rotation_consecutive_draws, xx.change_report_workdays) == (5, 2, 10)
    for spec in BODIES:
        assert set(spec["policy"]) <= set(spec["citations"]), spec["key"]


@pytest.mark.django_db
def test_update_policy_audits_before_and_after(bodies, secretary):
    body = bodies["jx-base"]
    policy, changed = update_policy(body, actor=secretary, values={"agenda_lead_workdays": 7, "quorum_num": 3,
                                                                 "quorum_den": 4})
    assert changed == {"agenda_lead_workdays": 7, "quorum_num": 3, "quorum_den": 4}
    assert Policy.objects.get(body=body).fraction("quorum") == Fraction(3, 4)
    event = AuditEvent.objects.get(action="policy.update")
    assert event.body == body and event.actor == secretary
    assert event.data == {"before": {"agenda_lead_workdays": 5, "quorum_num": 2, "quorum_den": 3},
                          "after": {"agenda_lead_workdays": 7, "quorum_num": 3, "quorum_den": 4}}


@pytest.mark.django_db
def test_unchanged_values_write_no_audit_event(bodies, secretary):
    _policy, changed = update_policy(bodies["jx-base"], actor=secretary, values={"agenda_lead_workdays": 5})
    assert changed == {}
    assert not AuditEvent.objects.filter(action="policy.update").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("values, field", [
    ({"quorum_num": 4, "quorum_den": 3}, "quorum_num"),          # above 1
    ({"pass_num": 1, "pass_den": 0}, "pass_den"),                 # zero denominator
    ({"major_pass_num": 0}, "major_pass_num"),                    # zero numerator
])
def test_bad_fractions_are_refused_and_change_nothing(bodies, secretary, values, field):
    before = bodies["jx-base"].policy.snapshot()
    with pytest.raises(PolicyError) as exc:
        update_policy(bodies["jx-base"], actor=secretary, values=values)
    assert field in exc.value.message_dict
    assert Policy.objects.get(body=bodies["jx-base"]).snapshot() == before
    assert not AuditEvent.objects.filter(action="policy.update").exists()


@pytest.mark.django_db
def test_exactly_one_is_an_allowed_share(bodies, secretary):
    policy, _changed = update_policy(bodies["jx-base"], actor=secretary, values={"pass_num": 3, "pass_den": 3})
    assert policy.fraction("pass") == 1


@pytest.mark.django_db
def test_draw_ratio_may_exceed_one(bodies, site_admin):
    policy, _changed = update_policy(bodies["gd-quality"], actor=site_admin,
                                     values={"draw_ratio_num": 2, "draw_ratio_den": 1})
    assert policy.fraction("draw_ratio") == 2


@pytest.mark.django_db
def test_secretariat_of_another_body_may_not_edit(bodies, secretary):
    with pytest.raises(PermissionDenied):
        update_policy(bodies["gd-quality"], actor=secretary, values={"notice_workdays": 9})


@pytest.mark.django_db
def test_unknown_field_is_refused(bodies, secretary):
    with pytest.raises(PolicyError):
        update_policy(bodies["jx-base"], actor=secretary, values={"citations_x": 1})


@pytest.mark.django_db
def test_policy_form_shows_clear_error_and_changes_nothing(client, bodies, secretary):
    client.force_login(secretary)
    url = reverse("policy-edit", args=["jx-base"])
    data = {k: ("" if v is None else v) for k, v in bodies["jx-base"].policy.snapshot().items()}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(quorum_num=5, quorum_den=3)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "比例不能大于 1" in response.content.decode()
    assert Policy.objects.get(body=bodies["jx-base"]).quorum_num == 2
    data.update(quorum_num=2, quorum_den=0)
    assert "分母不能为 0" in client.post(url, data).content.decode()
    data.update(quorum_num=3, quorum_den=4, agenda_lead_workdays=6)
    response = client.post(url, data)
    assert response.status_code == 302
    policy = Policy.objects.get(body=bodies["jx-base"])
    assert (policy.quorum_num, policy.quorum_den, policy.agenda_lead_workdays) == (3, 4, 6)
    # the checkbox fields posted as before stayed as they were
    assert policy.written_vote_allowed is True


@pytest.mark.django_db
def test_public_rules_page_shows_values_with_clauses(client, bodies):
    response = client.get(reverse("body-detail", args=["jx-base"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert bodies["jx-base"].policy.citations["min_vice_chairs_present"] in html
    assert 'data-rule="quorum_num"' in html and ">2/3<" in html


@pytest.mark.django_db
def test_snapshot_is_a_copy(bodies, secretary):
    snap = bodies["jx-base"].policy.snapshot()
    update_policy(bodies["jx-base"], actor=secretary, values={"agenda_lead_workdays": 9})
    assert snap["agenda_lead_workdays"] == 5


@pytest.mark.django_db
def test_rules_page_shows_only_rules_that_apply_to_the_body(client, bodies):
    xx = client.get(reverse("body-detail", args=["xx-random"])).content.decode()
    assert 'data-rule="rotation_consecutive_draws"' in xx      # a draw rule of a pool that draws
    assert 'data-rule="min_vice_chairs_present"' not in xx     # a council rule it has no use for
    jx = client.get(reverse("body-detail", args=["jx-base"])).content.decode()
    assert 'data-rule="min_vice_chairs_present"' in jx
    assert 'data-rule="rotation_consecutive_draws"' not in jx
