"""The in-process `apprank` fixture (tests/cli/conftest.py), for comparing the server's answers
with what the commands print."""

from tests.cli.conftest import apprank  # noqa: F401
