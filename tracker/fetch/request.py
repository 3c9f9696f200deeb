"""What a chart source asks the network for: `HttpRequest`, built by the source from the
chart and its `SourceSettings` (tracker/config/facts.py), sent by `tracker.fetch.http` (the
only module that talks HTTP).

Plain data: building a request loads no HTTP stack, so sources and their tests need none.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.config.facts import SourceSettings


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP exchange a source wants: GET without a body, or POST with one."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @classmethod
    def get(cls, url: str, settings: SourceSettings | None = None) -> HttpRequest:
        """A GET of `url`, with the settings' extra headers and query parameters."""
        if settings is None:
            return cls("GET", url)
        return cls("GET", with_params(url, settings.params), settings.headers)


def with_params(url: str, params: tuple[tuple[str, str], ...]) -> str:
    """`url` with `params` appended to its query string (encoded)."""
    if not params:
        return url
    from urllib.parse import urlencode

    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
