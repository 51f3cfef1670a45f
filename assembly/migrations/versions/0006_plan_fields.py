"""what the plan file holds and the tables lacked

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults fill the rows already there (and match the models').
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("venue", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("stream_delay", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("call_url", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("word_list", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("groups", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("themes", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("outcomes_public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.drop_column("private")
        batch_op.drop_column("minutes")
    with op.batch_alter_table("event", schema=None) as batch_op:
        for column in (
            "outcomes_public",
            "themes",
            "groups",
            "word_list",
            "call_url",
            "stream_delay",
            "venue",
            "starts_on",
            "description",
        ):
            batch_op.drop_column(column)
