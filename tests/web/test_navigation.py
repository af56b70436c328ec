"""A link is shown only when its page would let the user in: for every role, every link of the
navigation and every button of the dashboard, the recap and the assessment overview opens
(no 403, no 404), and every workflow step offered is one authz allows."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from zi_assess.authz import allowed
from zi_assess.domain.workflow import Status
from zi_assess.extensions import db

ROLES = ("operator", "head", "tpi", "tpi_lead", "manager", "tpn", "national", "admin")


class Links(HTMLParser):
    """The links of the main navigation, the ``a.button`` links, and the workflow step forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[str] = []
        self.buttons: list[str] = []
        self.steps: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        classes = (attr.get("class") or "").split()
        if tag == "nav" and "main-nav" in classes:
            self._in_nav = True
        if tag == "a" and attr.get("href"):
            if self._in_nav:
                self.nav.append(attr["href"])
            if "button" in classes:
                self.buttons.append(attr["href"])
        if tag == "form" and "/langkah/" in (attr.get("action") or ""):
            self.steps.append(attr["action"].rsplit("/", 1)[1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False  # the main navigation holds no other nav


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.fixture
def decided(team, flow):
    """An assessment of the other unit, decided (its reports are final: rendered once, then stored)."""
    from zi_assess.models import StatusChange

    a = flow.create(team.other_unit, team.other_head)
    a.status = Status.DECIDED
    db.session.add(StatusChange(assessment_id=a.id, transition="decide", from_status=Status.TPN_FIELD,
                                to_status=Status.DECIDED, actor_id=team.national.id, note=""))
    db.session.commit()
    return a


def _local(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and href.startswith("/") and not href.startswith("/static/")


def _links_to_follow(client, user, assessments) -> set[str]:
    """The navigation and buttons of the dashboard, the overviews it leads to and the recap."""
    dashboard = client.get("/dasbor/")
    assert dashboard.status_code == 200
    found = links_of(dashboard.get_data(as_text=True))
    to_follow = set(found.nav) | set(found.buttons)
    for assessment in assessments:
        if not allowed(user, "assessment.view", assessment):
            continue
        page = client.get(f"/penilaian/{assessment.id}")
        assert page.status_code == 200
        seen = links_of(page.get_data(as_text=True))
        to_follow |= set(seen.buttons)
        for step in seen.steps:
            assert allowed(user, f"transition.{step}", assessment), step
    if any(urlsplit(href).path == "/rekap" for href in found.nav):
        recap = client.get("/rekap")
        assert recap.status_code == 200
        to_follow |= set(links_of(recap.get_data(as_text=True)).buttons)
    return {href for href in to_follow if _local(href)}


@pytest.mark.slow
def test_every_link_and_button_a_role_is_shown_opens(team, draft, decided, login):
    """One test for all roles: the decided assessment's final PDFs are rendered once and then
    served from storage, so following every role's links stays affordable."""
    refused, followed = {}, {}
    for role in ROLES:
        user = getattr(team, role)
        client = login(user)
        links = _links_to_follow(client, user, (draft, decided))
        followed[role] = len(links)
        for href in sorted(links):
            status = client.get(href).status_code
            if status in (403, 404) or status >= 500:
                refused[(role, href)] = status
    assert refused == {}
    assert all(count >= 2 for count in followed.values()), followed


def nav_of(client) -> set[str]:
    return {urlsplit(h).path for h in links_of(client.get("/dasbor/").get_data(as_text=True)).nav}


@pytest.mark.parametrize(("role", "shown"), [
    ("operator", {"/dasbor/"}),
    ("head", {"/dasbor/"}),
    ("tpi", {"/dasbor/", "/antrean/", "/rekap"}),
    ("tpi_lead", {"/dasbor/", "/antrean/", "/rekap", "/ekspor/lhe"}),
    ("manager", {"/dasbor/", "/antrean/", "/rekap", "/ekspor/lhe"}),
    ("tpn", {"/dasbor/", "/antrean/"}),
    ("national", {"/dasbor/", "/antrean/", "/rekap", "/ekspor/lhe"}),
    ("admin", {"/dasbor/", "/rekap", "/ekspor/lhe", "/admin/kunci-api", "/admin/instansi"}),
])
def test_the_navigation_offers_what_authz_allows(team, login, role, shown):
    """Before, every signed-in user was offered Rekap and Ekspor LHE and most then got a 403."""
    assert nav_of(login(getattr(team, role))) == shown | {"/akun/", "/notifikasi/"}  # everyone: account, inbox


def test_an_open_assessment_button_only_for_who_has_a_unit_to_open_it_for(team, login, make_instansi, make_user):
    lead = make_user("tpi_lead", make_instansi("Instansi tanpa unit"))
    assert "/penilaian/baru" not in links_of(login(lead).get("/dasbor/").get_data(as_text=True)).buttons
    assert "/penilaian/baru" in links_of(login(team.tpi_lead).get("/dasbor/").get_data(as_text=True)).buttons
