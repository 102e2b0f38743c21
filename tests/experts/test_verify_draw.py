"""verify_draw: the management command (a file, --all) and the standalone stdlib tool,
which must agree with experts.draws.fairness on the same records."""
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from experts.draws import fairness
from experts.draws.record import build_record
from experts.models import Draw
from experts.services import draws as svc
from tests.experts.test_draw_fairness import TAMPERED, _tamper, synthetic_record
from tests.experts.test_draw_pool import (  # noqa: F401 (fixtures)
    NOW, gd, make_expert, people, run_draw, sent, xx)

# the pool query is PostgreSQL SQL (arrays, regexp_replace, jsonb); `make test` runs on PostgreSQL
TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_draw.py"


def run_tool(record, tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    # -I: isolated, no project on the path: the tool must stand alone
    return subprocess.run([sys.executable, "-I", str(TOOL), str(path)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def real_record(xx, people, sent):
    [make_expert(xx) for _ in range(5)]
    draw = run_draw(xx, people, needed=2)
    inv = draw.invitations.select_related("expert__user").get(rank=1)
    svc.reply(inv, actor=inv.expert.user, answer="decline", reason="出差", now=NOW + timedelta(hours=1))
    return build_record(Draw.objects.get(pk=draw.pk), public=True)


def test_public_record_has_ids_only(real_record):
    assert "names" not in real_record and "reviewed_unit" not in real_record
    assert all(isinstance(i, int) for i in real_record["panel"])


def test_tool_prints_selected_ids_and_ok(real_record, tmp_path):
    done = run_tool(real_record, tmp_path)
    assert done.returncode == 0, done.stderr
    expected = fairness.verify_record(real_record).selected_ids
    assert done.stdout.splitlines() == ["selected: " + " ".join(map(str, expected)), "OK"]


@pytest.mark.parametrize("name", TAMPERED)
def test_tool_and_library_agree_on_tampered_records(name, tmp_path):
    record = _tamper(synthetic_record(), name)
    lib = fairness.verify_record(record)
    done = run_tool(record, tmp_path)
    assert not lib.ok and done.returncode == 1
    assert done.stderr.strip() == f"MISMATCH {lib.problem}"


@pytest.mark.parametrize("algorithm", [fairness.V1, fairness.V2, fairness.V3])
def test_tool_verifies_records_of_every_version(algorithm, tmp_path):
    record = synthetic_record(algorithm=algorithm)
    done = run_tool(record, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "OK"
    tampered = _tamper(record, "exclusions")
    assert run_tool(tampered, tmp_path).stderr.strip() == f"MISMATCH {fairness.verify_record(tampered).problem}"


@pytest.mark.parametrize("members", [None, "620", True, 21, 10**6])
def test_tool_and_library_agree_on_the_v3_member_count(members, tmp_path):
    record = synthetic_record(algorithm=fairness.V3)
    record["members"] = members
    if members is None:
        del record["members"]
    lib = fairness.verify_record(record)
    done = run_tool(record, tmp_path)
    assert not lib.ok and done.returncode == 1
    assert done.stderr.strip() == f"MISMATCH {lib.problem}"


def test_a_new_draw_records_version_3(real_record):
    assert real_record["algorithm"] == "quorum-draw-v3"
    assert all(isinstance(ids, list) for ids in real_record["exclusions"].values())
    listed = set().union(*real_record["exclusions"].values()) if real_record["exclusions"] else set()
    assert real_record["members"] >= len(real_record["pool"]) + len(listed)


def test_tool_and_library_agree_on_a_real_tampered_record(real_record, tmp_path):
    for name in TAMPERED:
        record = _tamper(real_record, name)
        assert run_tool(record, tmp_path).stderr.strip() == f"MISMATCH {fairness.verify_record(record).problem}"


def test_command_verifies_a_file(real_record, tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(real_record), encoding="utf-8")
    call_command("verify_draw", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "OK" and out[0] == "selected: " + " ".join(map(str, real_record["panel"]))
    path.write_text(json.dumps(_tamper(real_record, "entropy")), encoding="utf-8")
    with pytest.raises(CommandError, match="MISMATCH seed"):
        call_command("verify_draw", str(path))


def test_command_all_rechecks_every_drawn_draw(xx, gd, people, sent, capsys):
    [make_expert(xx) for _ in range(3)]
    [make_expert(gd) for _ in range(3)]
    run_draw(xx, people, needed=1)
    last = run_draw(gd, people, needed=2)
    call_command("verify_draw", "--all")
    assert capsys.readouterr().out.strip() == "2 verified, 0 failed"
    Draw.objects.filter(pk=last.pk).update(entropy="changed afterwards")
    with pytest.raises(CommandError, match="1 draw"):
        call_command("verify_draw", "--all")
    assert "MISMATCH" in capsys.readouterr().err
