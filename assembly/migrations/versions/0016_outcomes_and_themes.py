"""you said, we did: a contribution's outcome and reason, and its themes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=20), server_default="open", nullable=False)
        )
        batch_op.add_column(
            sa.Column("outcome_reason", sa.Text(), server_default="", nullable=False)
        )
    # What was already marked answered keeps saying so.
    op.execute("UPDATE contribution SET outcome = 'answered' WHERE answered")
    op.create_table(
        "contribution_theme",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name=op.f("fk_contribution_theme_contribution_id_contribution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contribution_id", "theme", name=op.f("pk_contribution_theme")),
    )
    with op.batch_alter_table("contribution_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contribution_theme_theme"), ["theme"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contribution_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contribution_theme_theme"))
    op.drop_table("contribution_theme")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_column("outcome_reason")
        batch_op.drop_column("outcome")
