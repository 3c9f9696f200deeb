"""The apprank exception tree: every exception class the project defines, and where.

An error its user should see derives from ApprankError, whose message the CLI prints on one line
and whose `exit_code` (1 unless said) the command exits with. Classes defined in another module
name it; tests/test_errors.py checks that this tree is complete and that its parents are true.

ApprankError                 base: the CLI prints its message on one line
├── ConfigError              a bad configuration file, key or value (exit 2)
├── UsageError               a bad command-line value (exit 2); .param names it (the web's 400)
├── SourceError              a chart could not be fetched or read
│   ├── FetchError           the HTTP exchange failed; .status when the server answered
│   │   ├── FetchTimeout     the server did not answer in time
│   │   ├── FetchRefused     the server answered with an error status
│   │   ├── ResponseTooLarge the body exceeded the size cap
│   │   └── RedirectLoop     the server kept redirecting
│   └── FeedFormatError      the body is not a valid chart in the expected format
│       └── EmptyChart       a valid feed listing no apps: recorded as a failed attempt
├── StoreError               the database refused or is unusable
│   └── SchemaOutdated       the database schema is older than this apprank (exit 2)
├── ImportFileError          a file given to `apprank import` is unreadable or has bad rows
├── NothingStored            no stored snapshot answers a question (the web's 404)
├── NothingToCompare         fewer than two snapshots to compare (tracker.query.movers)
├── NothingToChart           no data to draw (charts.result)
├── DaemonAlreadyRunning     another daemon holds the database's lock (scheduler.lock)
└── LockFileError            the lock file cannot be created, written or locked (scheduler.lock)

Internal signals: caught by the code that raises them and never shown as they are, so they are
not ApprankErrors.

KeyValueError (tracker.config.errors): a ValueError naming the sub-key a validator refused;
    pydantic turns only ValueError and AssertionError into its ValidationError, which the
    config loader reports as one ConfigError line.
SelectionError (tracker.config.selection): a ValueError naming the chart, source, genre,
    device or country a selection refused, in a command's words and a config line's; commands
    turn it into a UsageError, the config models into their ValidationError.
AliasError (tracker.config.aliases): a ValueError naming the `[apps]` entry (or its key) that
    breaks the alias rule; the `[apps]` model turns it into a KeyValueError.
_OptionError (tracker.config.charts): a KeyValueError carrying a SelectionError's two wordings
    from a ChartSpec to the config line or the `apprank chart` option it came from.
BadRow (tracker.files.import_rows): one row's problem in `apprank import`, collected into the
    import's report (then skipped, or an ImportFileError).
BadKey (tracker.files.import_rows): a BadRow in the fields naming the row's snapshot.
_Answered (tracker.fetch.webhook): a retryable HTTP status carried to tenacity's retry loop.
BadPost (tracker.simulate.playroutes): a POST the simulator's Google Play endpoint cannot read
    as a batchexecute call; answered 400 there.
Cancelled (tracker.web.work): a web request's work called off (its deadline passed, or the
    client went away); the request itself answers 503 or nothing.
"""

from __future__ import annotations


class ApprankError(Exception):
    """Base of every error apprank reports to its user."""

    exit_code = 1


class ConfigError(ApprankError):
    """The configuration file is unreadable or holds an invalid value."""

    exit_code = 2


class UsageError(ApprankError):
    """A command-line argument is invalid.

    `param` names the option or query parameter at fault, without dashes ("country", "since"),
    when one is: the web API answers `{"error": ..., "param": ...}` with it."""

    exit_code = 2

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


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


class NothingStored(ApprankError):
    """No stored snapshot answers the question asked (a read command exits 1)."""
