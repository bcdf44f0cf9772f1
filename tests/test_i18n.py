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


def test_a_request_in_english_leaves_the_next_work_in_norwegian(client, db):
    """The chosen language holds for its request only, not for the thread afterwards."""
    from django.utils import translation

    client.cookies["django_language"] = "en"

    response = client.get("/accounts/login/")

    assert response["Content-Language"] == "en"
    assert translation.get_language() == "nb"
