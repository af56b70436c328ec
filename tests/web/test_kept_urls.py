"""Addresses kept per app (zi_assess.flask_app.App): the same as Flask builds them, per script
root, with query values, blueprint-relative endpoints and external addresses built each time."""

from __future__ import annotations

from flask import Flask, url_for


def _built(app, path: str, **environ):
    with app.test_request_context(path, environ_overrides=environ):
        return [url_for("assessments.overview", assessment_id=7), url_for("assessments.overview", assessment_id=8),
                url_for("reports.recap", tahun=2026, urut="area_3"), url_for("static", filename="css/app.css"),
                url_for("assessments.overview", assessment_id=7, _external=True),
                url_for("assessments.overview", assessment_id=7, _anchor="pohon"),
                url_for("reports.recap", instansi=[1, 2])]


def test_kept_addresses_are_what_flask_builds(app):
    first = _built(app, "/")
    assert first == _built(app, "/")  # the second time from the dictionary
    assert first[:4] == ["/penilaian/7", "/penilaian/8", "/rekap?tahun=2026&urut=area_3", first[3]]
    assert first[4].startswith("http://") and first[5] == "/penilaian/7#pohon"
    # another script root (a proxy's prefix) gets its own addresses
    prefixed = _built(app, "/", SCRIPT_NAME="/zi")
    assert prefixed[0] == "/zi/penilaian/7" and prefixed[2] == "/zi/rekap?tahun=2026&urut=area_3"
    assert _built(app, "/") == first
    with app.test_request_context("/"):
        for endpoint, values in (("assessments.overview", {"assessment_id": 7}), ("reports.recap", {"tahun": 2026})):
            assert url_for(endpoint, **values) == Flask.url_for(app, endpoint, **values)


def test_a_blueprint_relative_endpoint_is_kept_per_blueprint(app):
    with app.test_request_context("/penilaian/5"):
        assert url_for(".overview", assessment_id=5) == "/penilaian/5"
    for page, index in (("/akun/", "/akun/"), ("/dasbor/", "/dasbor/"), ("/admin/", "/admin/"), ("/akun/", "/akun/")):
        with app.test_request_context(page):
            assert url_for(".index") == index
    with app.test_request_context("/rekap"):
        assert url_for(".recap") == "/rekap" and url_for(".recap_pdf") == "/rekap.pdf"
