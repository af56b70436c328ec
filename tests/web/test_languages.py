"""Bahasa Indonesia first, English second: every text is in the catalog and the switch sticks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from zi_assess.extensions import db
from zi_assess.models import User

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "zi_assess" / "translations" / "en" / "LC_MESSAGES"


def test_every_text_in_the_code_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "extract", "-F",
                    str(ROOT / "zi_assess" / "translations" / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)],
                   check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (CATALOG / "messages.po").open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    untranslated = sorted(str(i) for i in wanted if not catalog.get(i))
    assert untranslated == [], f"{len(untranslated)} texts without English: {untranslated[:10]}"


def test_compiled_catalog_matches_the_po_file():
    with (CATALOG / "messages.po").open("rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    with (CATALOG / "messages.mo").open("rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert mo == po, "run `make translations` (pybabel compile) after editing messages.po"


def test_switching_language_is_remembered_per_user(team, login):
    client = login(team.operator)
    assert "Dasbor" in client.get("/dasbor/").get_data(as_text=True)
    switched = client.post("/bahasa/en", data={"next": "/dasbor/"}, follow_redirects=True)
    body = switched.get_data(as_text=True)
    assert "Dashboard" in body and "Sign out" in body and 'lang="en"' in body
    db.session.expire_all()
    assert db.session.get(User, team.operator.id).locale == "en"
    # a new browser, same user: English again, numbers in English format
    fresh = login(team.operator)
    assert "Dashboard" in fresh.get("/dasbor/").get_data(as_text=True)


def test_anonymous_visitors_follow_the_browser(client):
    english = client.get("/masuk", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in english
    indonesian = client.get("/masuk", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Masuk ke zi-assess" in indonesian


def test_numbers_follow_the_language(team, login, draft):
    client = login(team.operator)
    assert "100,00" in client.get(f"/penilaian/{draft.id}").get_data(as_text=True)
    client.post("/bahasa/en")
    assert "100.00" in client.get(f"/penilaian/{draft.id}").get_data(as_text=True)


def test_translations_follow_a_forced_locale_inside_a_request(app):
    """The request keeps its translations (zi_assess.i18n.RequestDomain); a ``force_locale`` (an
    e-mail in its reader's language) still gets its own, and the request's return after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, lazy_gettext

    page = "{{ _('Keluar') }}|{{ _('%(n)d belum dibaca', n=3) }}"
    later = lazy_gettext("Keluar")
    # each request has its own app context (g), as served
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "id"}):
        assert render_template_string(page) == "Keluar|3 belum dibaca"
        assert gettext("Keluar") == "Keluar" and str(later) == "Keluar"
        with force_locale("en"):
            assert render_template_string(page) == "Sign out|3 unread"
            assert gettext("Keluar") == "Sign out" and str(later) == "Sign out"
        assert render_template_string(page) == "Keluar|3 belum dibaca"
        assert gettext("Keluar") == "Keluar" and str(later) == "Keluar"
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(page) == "Sign out|3 unread" and str(later) == "Sign out"
