#!/usr/bin/env python
"""Fail when translations are stale: strings in the code that the committed English
catalog lacks (or obsolete ones it still has), untranslated or fuzzy entries, or a
compiled .mo that does not match its .po. Fix with `make messages`, then translate."""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["manage.py", "portal", "experts", "councils", "projects", "templates", "locale"]


def key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def main():
    problems = []
    if not PO.exists() or not MO.exists():
        print(f"missing {PO.relative_to(ROOT)} or its .mo: run `make messages`")
        return 1
    committed = polib.pofile(str(PO))
    with tempfile.TemporaryDirectory() as tmp:
        for name in SOURCES:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, Path(tmp) / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif src.exists():
                shutil.copy2(src, Path(tmp) / name)
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
            cwd=tmp, check=True, capture_output=True,
        )
        fresh = polib.pofile(str(Path(tmp) / "locale" / "en" / "LC_MESSAGES" / "django.po"))
        out_mo = Path(tmp) / "check.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(out_mo), str(PO)], check=True)
        compiled = {key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(out_mo))}
        shipped = {key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(MO))}
    code_ids = {key(e) for e in fresh if not e.obsolete}
    po_ids = {key(e) for e in committed if not e.obsolete}
    for k in sorted(code_ids - po_ids):
        problems.append(f"not in django.po (run `make messages`): {k[1]!r}")
    for k in sorted(po_ids - code_ids):
        problems.append(f"obsolete in django.po (run `make messages`): {k[1]!r}")
    for e in committed:
        if e.obsolete:
            continue
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy translation: {e.msgid!r}")
        elif not e.translated():
            problems.append(f"untranslated: {e.msgid!r}")
    if compiled != shipped:
        problems.append("locale/en/LC_MESSAGES/django.mo is stale: run `make messages` and commit it")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} translation problem(s)")
        return 1
    print(f"translations ok: {len(po_ids)} strings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
