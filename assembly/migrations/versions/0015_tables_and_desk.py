"""tables and the desk: a contribution's table, a member made their table's facilitator

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("table_label", sa.String(length=40), server_default="", nullable=False)
        )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("table_facilitator", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("table_facilitator")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_column("table_label")
