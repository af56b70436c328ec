"""The Flask class zi-assess runs on: Flask, with the addresses a request builds kept."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request

#: built addresses kept per app; emptied when it holds this many (an address per assessment and
#: page: a national set has tens of thousands, each ~100 bytes with its key)
MAX_KEPT_URLS = 20_000


class App(Flask):
    """A page builds dozens of addresses (links, form actions); Werkzeug builds each from the
    rule in about 45,000 instructions. An address relative to the site depends only on the
    endpoint, the values, the method and the script root (no URL defaults are registered, no
    subdomains or host matching are used), so the same request for the same address gets it
    from a dictionary. External addresses, anchors and schemes are built as before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_urls: dict[tuple[Any, ...], str] = {}

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        request_context = _cv_request.get(None)
        if (request_context is None or _external or _scheme is not None or _anchor is not None
                or self.url_default_functions or self.url_map.host_matching):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        adapter = request_context.url_adapter
        blueprint = request_context.request.blueprint if endpoint[:1] == "." else None
        key = (endpoint, blueprint, _method, adapter.script_name, adapter.subdomain, adapter.server_name,
               tuple(sorted(values.items())))
        try:
            found = self._kept_urls.get(key)
        except TypeError:  # a value that cannot be a key (a list): built every time
            return super().url_for(endpoint, _method=_method, **values)
        if found is None:
            found = super().url_for(endpoint, _method=_method, **values)
            if len(self._kept_urls) >= MAX_KEPT_URLS:
                self._kept_urls.clear()
            self._kept_urls[key] = found
        return found
