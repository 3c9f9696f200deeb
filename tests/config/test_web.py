"""`[web]`: the web server's keys and defaults; the token from the file or the environment,
never shown, not even in the error about it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tracker.config.load import config_from_dict
from tracker.errors import ConfigError

TOKEN = "Zq3xT9vLk2Pw8RmN4bYc7QeH"


def web(**keys: object) -> dict[str, object]:
    return {"web": keys}


def test_the_defaults_serve_loopback_without_a_token() -> None:
    config = config_from_dict({}).web
    assert (config.host, config.port, config.token) == ("127.0.0.1", 8000, None)
    assert config.request_timeout == timedelta(seconds=10)
    assert (config.max_rows, config.workers, config.public_url, config.daemon) == (
        200_000,
        4,
        None,
        False,
    )


def test_a_token_is_read_from_the_file_or_an_environment_variable_and_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_from_dict(web(token=TOKEN, public_url="https://ranks.example.com/")).web
    assert config.token is not None and config.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(config) and TOKEN not in str(config)
    assert config.public_url == "https://ranks.example.com"
    monkeypatch.setenv("RANKS_TOKEN", TOKEN[::-1])
    config = config_from_dict(web(token="env:RANKS_TOKEN")).web
    assert config.token is not None and config.token.get_secret_value() == TOKEN[::-1]


@pytest.mark.parametrize(
    ("keys", "line"),
    [
        ({"token": "env:NO_SUCH_TOKEN_VAR"}, "web.token: environment variable NO_SUCH_TOKEN_VAR"),
        ({"token": "short-secret"}, "web.token: the token must be at least 16 characters"),
        ({"token": TOKEN[:8] + " " + TOKEN}, "web.token: the token must be printable ASCII"),
        ({"port": 70000}, "web.port = 70000: Input should be less than or equal to 65535"),
        ({"request_timeout": "11m"}, "web.request_timeout = '11m': must be more than 0s"),
        ({"workers": 0}, "web.workers = 0: Input should be greater than or equal to 1"),
        ({"public_url": "ranks.example.com"}, "web.public_url = 'ranks.example.com': must start"),
        ({"tokens": TOKEN}, "web.tokens: unknown key"),
    ],
    ids=["no-variable", "short", "space", "port", "timeout", "workers", "url", "misspelt"],
)
def test_a_bad_value_is_one_line_naming_the_key(keys: dict[str, object], line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(web(**keys), Path("config.toml"))
    message = str(caught.value)
    assert message.startswith(f"config.toml: {line}")
    assert "\n" not in message
    assert TOKEN[:8] not in message and "short-secret" not in message
