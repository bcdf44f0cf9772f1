"""The Norwegian translation is complete and its compiled catalogue is up to date."""

import polib

from .conftest import ROOT

PO = ROOT / "locale" / "nb" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_message_is_translated():
    po = polib.pofile(str(PO))

    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_po_file():
    po = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.pofile(str(PO)) if e.msgid}
    mo = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.mofile(str(MO)) if e.msgid}

    assert mo == po
