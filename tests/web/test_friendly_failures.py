"""Failures answered with a page, never a bare 500: database down (503 + Retry-After), ids out of
range and NUL characters (404/400, on SQLite and PostgreSQL), untrusted hosts (400), an exception
in a view (500 page) and an error page that cannot render (minimal page)."""

from __future__ import annotations

import pytest
from flask import abort
from jinja2 import DictLoader

from tests.conftest import PASSWORD
from tests.web.test_health_and_logs import other_app  # noqa: F401  (fixture)


def test_database_unreachable_is_a_503_page_with_request_id_and_retry_after(other_app, make_user, tmp_path):  # noqa: F811
    user = make_user()
    for url in ("postgresql://postgres@127.0.0.1:1/none", f"sqlite:///{tmp_path}/missing/dir/zi.db"):
        app = other_app(DATABASE_URL=url, PROPAGATE_EXCEPTIONS=False)
        client = app.test_client()
        response = client.post("/masuk", data={"email": user.email, "password": PASSWORD},
                               headers={"X-Request-ID": "probe-db-down-1"})
        text = response.get_data(as_text=True)
        assert response.status_code == 503, (url, text[:500])
        assert response.headers["Retry-After"] == "30"
        assert "Layanan sementara tidak tersedia" in text and "probe-db-down-1" in text
        assert "127.0.0.1" not in text  # the driver's message (addresses) is not shown


@pytest.mark.parametrize("path", ["/penilaian/999999999999999999999", "/penilaian/2147483648",
                                  "/data-dukung/99999999999999999999/unduh", "/penilaian/1/area/1%00"])
def test_ids_out_of_range_are_404(client, login, team, path):
    response = login(team.head).get(path)
    assert response.status_code in (400, 404), path


@pytest.mark.parametrize("path", ["/rekap?cari=%00", "/rekap?instansi=1%002", "/penilaian/?x%00=1"])
def test_nul_characters_in_parameters_are_400(client, login, team, path):
    response = login(team.manager).get(path)
    assert response.status_code == 400
    assert "Permintaan tidak valid" in response.get_data(as_text=True)


def test_nul_characters_in_a_form_are_400_and_write_nothing(client, login, team, flow):
    from zi_assess.models import Answer

    a = flow.create(team.unit, team.head)
    response = login(team.operator).post(f"/penilaian/{a.id}/area/1", data={"n_P1_i_a": "catatan\x00", "a_P1_i_a": "ya"})
    assert response.status_code == 400
    from sqlalchemy import func, select

    from zi_assess.extensions import db

    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_untrusted_hosts_are_refused(other_app):  # noqa: F811
    app = other_app(TRUSTED_HOSTS=["zi.example.go.id"])
    client = app.test_client()
    assert client.get("/masuk", headers={"Host": "zi.example.go.id"}).status_code == 200
    refused = client.get("/masuk", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and "evil.example" not in refused.get_data(as_text=True)


def test_an_exception_in_a_view_is_a_friendly_500(other_app):  # noqa: F811
    app = other_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/_boom")
    def _boom():  # a renderer failing: WeasyPrint without its fonts raises like this
        raise OSError("cannot load font")

    response = app.test_client().get("/_boom", headers={"X-Request-ID": "probe-500-abcdef"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in text and "probe-500-abcdef" in text and "cannot load font" not in text


def test_an_error_page_that_cannot_render_falls_back_to_a_minimal_one(other_app):  # noqa: F811
    app = other_app(PROPAGATE_EXCEPTIONS=False)
    app.jinja_env.loader = DictLoader({"errors/error.html": "{{ undefined_helper() }}"})

    @app.get("/_gone")
    def _gone():
        abort(404)

    @app.get("/_boom")
    def _boom():
        raise RuntimeError("renderer")

    client = app.test_client()
    for path, code in (("/_gone", 404), ("/_boom", 500)):
        response = client.get(path, headers={"X-Request-ID": "probe-fallback-1"})
        text = response.get_data(as_text=True)
        assert response.status_code == code
        assert "probe-fallback-1" in text and "Sorry, something went wrong" in text
