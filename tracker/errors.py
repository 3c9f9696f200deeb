"""The apprank exception tree.

ApprankError                 base: the CLI prints its message on one line
├── ConfigError              a bad configuration file, key or value (exit 2)
├── UsageError               a bad command-line value (exit 2)
├── SourceError              a chart could not be fetched or read
│   ├── FetchError           the HTTP exchange failed; .status when the server answered
│   │   ├── FetchTimeout
│   │   ├── FetchRefused     the server answered with an error status
│   │   ├── ResponseTooLarge
│   │   └── RedirectLoop
│   └── FeedFormatError      the body is not a valid chart in the expected format
├── StoreError               the database refused or is unusable
│   └── SchemaOutdated       the database schema is older than this apprank
└── ImportFileError          a bad row in a file given to `apprank import`
"""

from __future__ import annotations


class ApprankError(Exception):
    """Base of every error apprank reports to its user."""

    exit_code = 1


class ConfigError(ApprankError):
    """The configuration file is unreadable or holds an invalid value."""

    exit_code = 2


class UsageError(ApprankError):
    """A command-line argument is invalid."""

    exit_code = 2


class SourceError(ApprankError):
    """A chart could not be fetched or understood."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status: int | None = None


class FetchError(SourceError):
    """The HTTP exchange failed."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class FetchTimeout(FetchError):
    """The server did not answer in time."""


class FetchRefused(FetchError):
    """The server answered with an error status."""


class ResponseTooLarge(FetchError):
    """The body exceeded the size cap."""


class RedirectLoop(FetchError):
    """The server kept redirecting."""


class FeedFormatError(SourceError):
    """The body is not a valid chart in the source's format."""


class EmptyChart(FeedFormatError):
    """The feed was valid but listed no apps.

    Real charts are never empty; an empty answer is a glitch or a throttle, and storing it would
    turn every app into "not in chart". It is recorded as a failed attempt (no data) instead.
    """


class StoreError(ApprankError):
    """The database could not be read or written."""


class SchemaOutdated(StoreError):
    """The database schema predates this version of apprank."""

    exit_code = 2


class ImportFileError(ApprankError):
    """A file given to `apprank import` holds invalid rows."""
