"""fetch_attempt by snapshot_id: a snapshot's attempt (its URL, provenance) is one seek

Revision ID: 0008
Revises: 0007

`top --json` and `export --format jsonl` name the URL each snapshot was fetched from, which only
its attempt records (fetch_attempt.snapshot_id); `apprank reparse` links a refused attempt to the
snapshot its body now makes. Without the index each of those reads scans the attempts.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_fetch_attempt_snapshot", "fetch_attempt", ["snapshot_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_fetch_attempt_snapshot", table_name="fetch_attempt")
