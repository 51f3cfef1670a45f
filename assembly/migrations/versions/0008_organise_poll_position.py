"""a poll's place among its session's polls, so organisers can reorder them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00

Existing polls keep the order they had (by id): each gets its rank within its session.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE poll SET position = (SELECT count(*) FROM poll AS earlier "
        "WHERE earlier.session_id = poll.session_id AND earlier.id < poll.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("position")
