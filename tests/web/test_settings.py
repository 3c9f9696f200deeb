"""The server's settings: `[web]` under `--host`/`--port`/`--token` and $APPRANK_WEB_TOKEN, and
the rule that only loopback may be served without a token."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.web.served import TOKEN
from tracker.config.web import WebConfig
from tracker.errors import UsageError
from tracker.web.settings import WebSettings, is_loopback

OTHER = "Bq7yH2nLw9Xc4VtR8sKp3MdZ"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("ranks.example.com", False),
    ],
)
def test_loopback_is_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_command_line_then_the_environment_then_the_file_give_the_token() -> None:
    config = WebConfig(token=SecretStr(TOKEN))
    env = {"APPRANK_WEB_TOKEN": OTHER}
    assert WebSettings.of(config, environ={}).token == TOKEN
    assert WebSettings.of(config, environ=env).token == OTHER
    assert WebSettings.of(config, token=TOKEN[::-1], environ=env).token == TOKEN[::-1]
    assert WebSettings.of(WebConfig(), environ={}).token is None


def test_other_addresses_need_a_token() -> None:
    with pytest.raises(UsageError, match=r"^refusing to serve on 192\.168\.1\.20 without") as bad:
        WebSettings.of(WebConfig(), host="192.168.1.20", environ={})
    assert (bad.value.param, bad.value.exit_code) == ("host", 2)
    served = WebSettings.of(
        WebConfig(), host="0.0.0.0", port=9000, environ={"APPRANK_WEB_TOKEN": TOKEN}
    )
    assert (served.host, served.port, served.token) == ("0.0.0.0", 9000, TOKEN)
    assert TOKEN not in repr(served)


def test_a_bad_token_from_the_environment_is_refused_without_showing_it() -> None:
    with pytest.raises(UsageError) as bad:
        WebSettings.of(WebConfig(), environ={"APPRANK_WEB_TOKEN": "short one"})
    assert str(bad.value).startswith("$APPRANK_WEB_TOKEN: the token must be at least 16")
    assert "short one" not in str(bad.value)


def test_heavy_work_never_takes_every_worker() -> None:
    assert [WebSettings(workers=n).heavy_workers for n in (1, 2, 4, 5, 8)] == [1, 1, 2, 2, 4]
    assert WebSettings(public_url="https://ranks.example.com").secure_cookies
    assert not WebSettings(public_url="http://ranks.example.com").secure_cookies
