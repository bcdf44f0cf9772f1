#!/usr/bin/env python
"""Update the Norwegian catalogue: makemessages, apply translations, compilemessages.

    .venv/bin/python scripts/po_update.py [translations.json ...]

Each JSON file maps an English msgid to its bokmål msgstr (a plural entry maps to a
list of two strings). Holds a lock so that several people (or agents) can run it at
once. Prints the msgids still untranslated. Needs GNU gettext.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "nb" / "LC_MESSAGES" / "django.po"
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def main(paths: list[str]) -> int:
    translations: dict = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with (ROOT / "locale" / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            [*MANAGE, "makemessages", "--locale", "nb", "--ignore", ".venv/*", "--no-obsolete"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        po = polib.pofile(str(PO))
        missing = []
        for entry in po:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
            given = translations.get(entry.msgid)
            if entry.msgid_plural:
                if isinstance(given, list):
                    entry.msgstr_plural = {0: given[0], 1: given[1]}
                if not all(entry.msgstr_plural.values()):
                    missing.append(entry.msgid)
            else:
                if isinstance(given, str):
                    entry.msgstr = given
                if not entry.msgstr:
                    missing.append(entry.msgid)
        po.save()
        subprocess.run(
            [*MANAGE, "compilemessages", "--locale", "nb", "--ignore", ".venv/*"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
