"""`manage.py rules quorum|vote` prints the verdict and the required count."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args):
    out = StringIO()
    call_command("rules", *args, stdout=out)
    return out.getvalue()


def test_quorum_command_composite_rule_fails_on_vice_chairs(bodies):
    out = run("quorum", "--body", "jx-base", "--members", "20", "--present", "14", "--role", "vice_chair=2")
    assert out.startswith("not quorate: present 14 of 20, needs 14")
    assert "missing" in out


def test_quorum_command_reached_at_exactly_two_thirds(bodies):
    out = run("quorum", "--body", "jm-storage", "--members", "21", "--present", "14")
    assert out.startswith("quorate: present 14 of 21, needs 14")
    assert run("quorum", "--body", "jm-storage", "--members", "21", "--present", "13").startswith("not quorate")


def test_vote_command_major_uses_all_members(bodies):
    out = run("vote", "--body", "jx-base", "--type", "major", "--members", "30", "--present", "19", "--yes", "19")
    assert out.startswith("fails: 19 yes of 30 all members, needs 20")


def test_vote_command_ordinary_passes_at_two_thirds_of_present(bodies):
    out = run("vote", "--body", "jx-base", "--type", "ordinary", "--members", "30", "--present", "21", "--yes", "14")
    assert out.startswith("passes: 14 yes of 21 present, needs 14")


def test_command_rejects_unknown_body_and_bad_counts(bodies):
    with pytest.raises(CommandError):
        run("quorum", "--body", "nope", "--members", "3", "--present", "1")
    with pytest.raises(CommandError):
        run("quorum", "--body", "jx-base", "--members", "3", "--present", "4")
    with pytest.raises(CommandError):
        run("vote", "--body", "jx-base", "--members", "30", "--present", "10", "--yes", "11")
