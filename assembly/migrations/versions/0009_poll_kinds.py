"""poll kinds: each kind's settings on the poll, and a ballot's whole answer as its marks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00

Existing polls are single choice and keep their ballots as they are (``marks`` empty).
A scale ballot names no option, so ``ballot.option_id`` may now be empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_choices", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("points", sa.Integer(), server_default="5", nullable=False))
        batch_op.add_column(sa.Column("labels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("rank_top", sa.Integer(), nullable=True))
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marks", sa.Text(), server_default="", nullable=False))
        batch_op.alter_column("option_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM ballot WHERE option_id IS NULL")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.alter_column("option_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("marks")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("rank_top")
        batch_op.drop_column("labels")
        batch_op.drop_column("points")
        batch_op.drop_column("max_choices")
