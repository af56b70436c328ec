"""Parts of pages reused between requests (issue #15): the navigation's links, the recap's
instansi choices, the overview's scores and the area page's surroundings. Each is shown again
as soon as what it depends on changes."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.conftest import sign_in
from zi_assess import result_cache
from zi_assess.audit import SYSTEM
from zi_assess.extensions import db
from zi_assess.models import Role
from zi_assess.org import operations as org


def nav(html: str) -> str:
    """The main navigation, its sign-out form's token left out (signed anew every second)."""
    part = html.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', part)


def test_the_navigation_follows_roles_page_and_language(client, team, make_user):
    sign_in(client, team.manager)
    first = nav(client.get("/akun/").get_data(as_text=True))
    assert 'href="/rekap"' in first and "Dasbor" in first
    assert nav(client.get("/akun/").get_data(as_text=True)) == first  # the same links again
    org.revoke_role(SYSTEM, team.manager.roles[0])
    org.assign_role(SYSTEM, team.manager, Role.UNIT_HEAD, unit=team.unit)
    db.session.commit()
    without = nav(client.get("/akun/").get_data(as_text=True))
    assert 'href="/rekap"' not in without and "Dasbor" in without  # other roles: their links at once
    org.assign_role(SYSTEM, team.manager, Role.MANAGER, instansi=team.instansi)
    db.session.commit()
    with_recap = nav(client.get("/akun/").get_data(as_text=True))
    assert 'href="/rekap"' in with_recap
    on_recap = nav(client.get("/rekap").get_data(as_text=True))
    assert re.search(r'href="/rekap"\s+aria-current="page"', on_recap)
    assert not re.search(r'href="/rekap"\s+aria-current="page"', with_recap)  # the current page moves
    english = make_user("manager", team.instansi, locale="en")
    other = client.application.test_client()
    sign_in(other, english)
    links = nav(other.get("/akun/").get_data(as_text=True))
    assert "Dashboard" in links and "Recap" in links and "Dasbor" not in links


def test_a_new_instansi_is_a_recap_choice_at_once(client, team, make_instansi):
    sign_in(client, team.national)
    assert "Instansi Baru" not in client.get("/rekap").get_data(as_text=True)
    client.get("/rekap")  # the choices now come from the result cache
    make_instansi("Instansi Baru")
    db.session.commit()
    page = client.get("/rekap").get_data(as_text=True)
    assert re.search(r'<option value="\d+">Instansi Baru</option>', page)


def test_the_recap_choices_keep_to_the_readers_instansi(client, team):
    sign_in(client, team.manager)
    page = client.get("/rekap").get_data(as_text=True)
    assert team.instansi.name in page and team.other_instansi.name not in page


def test_the_area_tabs_count_a_saved_answer(client, team, flow, best_answers):
    a = flow.create(team.unit, team.head)
    sign_in(client, team.operator)
    path = f"/penilaian/{a.id}/area/1"

    def counts() -> list[str]:
        return re.findall(r'class="small tab-done[^"]*"[^>]*>(\d+/\d+)<', client.get(path).get_data(as_text=True))

    empty = counts()
    assert empty == counts() and all(c.startswith("0/") for c in empty)
    # an answer on another page: this page's cards are kept, the tabs above them are not
    in_area_2 = next(ind for ind in best_answers if ind.startswith("P2."))
    flow.fill(team.operator, a, flow.Layer.MANDIRI, {in_area_2: best_answers[in_area_2]})
    after = counts()
    assert after[0] == empty[0] and after[1].startswith("1/")
    # the same surroundings seen through another layer's link keep that layer in the tabs' links
    layer_page = client.get(path + "?lapis=mandiri").get_data(as_text=True)
    tabs = layer_page.split('<nav class="area-tabs"', 1)[1].split("</nav>", 1)[0]
    assert tabs.count("lapis=mandiri") == len(after)
    plain = client.get(path).get_data(as_text=True).split('<nav class="area-tabs"', 1)[1].split("</nav>", 1)[0]
    assert "lapis=" not in plain
    # a ?lapis= that names no layer is shown as given (as before) but never becomes a cache key
    cache = client.application.extensions[result_cache.EXTENSION]
    entries = len(cache.local)
    for junk in ("x1", "x2", "x3"):
        page = client.get(f"{path}?lapis={junk}")
        assert page.status_code == 200 and f"lapis={junk}" in page.get_data(as_text=True)
    assert len(cache.local) == entries


def test_the_overview_shows_recorded_prerequisites_at_once(client, team, flow):
    from zi_assess.demo import GOOD_PREREQUISITES_INSTANSI, GOOD_PREREQUISITES_UNIT

    a = flow.create(team.unit, team.head)
    sign_in(client, team.head)
    path = f"/penilaian/{a.id}"

    def badge() -> str:
        page = client.get(path).get_data(as_text=True)
        return page.split('<details class="prereq"', 1)[1].split("</summary>", 1)[0]

    before = badge()
    assert "belum terpenuhi/dicatat" in before and badge() == before  # the second from the cache
    org.record_prerequisites(SYSTEM, a.year, GOOD_PREREQUISITES_INSTANSI, instansi=team.instansi)
    org.record_prerequisites(SYSTEM, a.year, GOOD_PREREQUISITES_UNIT, unit=team.unit)
    db.session.commit()
    assert "terpenuhi" in badge() and "belum" not in badge()


def test_the_dashboard_queue_counts_its_ages_now(client, team, flow, monkeypatch):
    from datetime import timedelta

    from zi_assess.dashboard import views as dashboard
    from zi_assess.models.base import utcnow

    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    sign_in(client, team.tpi)

    def ages() -> list[str]:
        page = client.get("/dasbor/").get_data(as_text=True)
        return re.findall(r'<td class="num[^"]*">(\d+)</td></tr>', page.split("Antrean TPI", 1)[1])

    assert ages() == ["0"] and ages() == ["0"]  # the second card from the cache
    later = utcnow() + timedelta(days=3, hours=1)
    monkeypatch.setattr(dashboard, "utcnow", lambda: later)
    assert ages() == ["3"]  # nothing changed in the data: the card is rendered for its new age


def test_the_assessment_heading_follows_status_roles_and_names(login, team, flow, best_answers):
    """The heading is kept per the roles the reader holds on the assessment and the data revision:
    at every step each reader's import link is what authz says, and a new unit name shows at once."""
    from zi_assess.authz import allowed

    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, best_answers)
    path = f"/penilaian/{a.id}"
    readers = (team.operator, team.head, team.tpi, team.tpi_lead)

    def heading(user) -> str:
        page = login(user).get(path).get_data(as_text=True)
        return page.split('<div class="page-head">', 1)[1].split("</nav>", 1)[0]

    seen = []
    for step in (None, "submit", "start_tpi_review"):
        if step is not None:
            flow.step(team.tpi_lead if step == "start_tpi_review" else team.head, a, step)
        for user in readers:
            shown = heading(user)
            assert shown == heading(user) and "LHE (PDF)" in shown  # the second from the cache
            may_import = allowed(db.session.merge(user), "answer.edit", db.session.merge(a))
            assert ("Impor Excel" in shown) == may_import, (step, user)
            seen.append(may_import)
    assert True in seen and False in seen
    db.session.execute(text("UPDATE unit SET name = 'Balai Nama Baru' WHERE id = :id"), {"id": team.unit.id})
    db.session.commit()
    assert "Balai Nama Baru" in heading(team.operator)


def test_the_kept_step_forms_carry_each_sessions_own_token(app, team, flow, best_answers):
    """The overview's step forms are kept with a placeholder for the CSRF token: every session gets
    its own token in them, and the step goes through with the token the page gave."""
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, best_answers)
    flow.step(team.head, a, "submit")
    clients = [app.test_client(), app.test_client()]
    tokens = []
    for client in clients:
        sign_in(client, team.tpi_lead)
        page = client.get(f"/penilaian/{a.id}").get_data(as_text=True)
        form = page[page.index('id="step-start_tpi_review"'):]
        form = form[:form.index("</form>")]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert "placeholder" not in page
        assert f'name="csrf_token" value="{token}"' in page.split('class="lang-switch"', 1)[1]  # the live one
        tokens.append((token, re.search(r'name="seen" value="(\d+)"', form).group(1)))
    assert tokens[0][0] != tokens[1][0]
    wrong = clients[0].post(f"/penilaian/{a.id}/langkah/start_tpi_review",
                            data={"csrf_token": tokens[1][0], "seen": tokens[1][1]})
    assert wrong.status_code == 400  # another session's token
    done = clients[0].post(f"/penilaian/{a.id}/langkah/start_tpi_review",
                           data={"csrf_token": tokens[0][0], "seen": tokens[0][1]})
    assert done.status_code == 302
    db.session.refresh(a)
    assert a.status == "tpi_review"


def test_the_recap_filter_choices_follow_the_language(client, team):
    """The filter's choices are made once per language and list (zi_assess.reports.forms)."""
    sign_in(client, team.national)
    for language, words in (("id", ("Semua status", "Nasional (semua instansi)", "Menaik")),
                            ("en", ("All statuses", "National (all instansi)", "Ascending")),
                            ("id", ("Semua status", "Nasional (semua instansi)", "Menaik"))):
        client.post(f"/bahasa/{language}")
        page = client.get("/rekap?status=proposed").get_data(as_text=True)
        assert all(f">{word}</option>" in page for word in words), language
