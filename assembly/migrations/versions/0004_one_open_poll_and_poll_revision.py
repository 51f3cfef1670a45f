"""one open poll per event, and a revision for each poll's tally

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    # Two polls of one event may have been left open by concurrent requests before this
    # index existed: keep the newest open, close the others, so the index can be built.
    op.execute(
        "UPDATE poll SET status = 'closed', closed_at = CURRENT_TIMESTAMP "
        "WHERE status = 'open' AND EXISTS (SELECT 1 FROM poll AS newer "
        "WHERE newer.event_id = poll.event_id AND newer.status = 'open' AND newer.id > poll.id)"
    )
    op.create_index(
        "uq_poll_one_open_per_event",
        "poll",
        ["event_id"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_poll_one_open_per_event", table_name="poll")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("revision")
