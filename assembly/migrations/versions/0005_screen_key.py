"""the big screen's secret address

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:40:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screen_key", sa.String(length=32), nullable=True))
    # Each existing event gets its own key: the screen's address must not be guessable.
    conn = op.get_bind()
    event = sa.table("event", sa.column("id", sa.Integer), sa.column("screen_key", sa.String))
    for (event_id,) in conn.execute(sa.select(event.c.id)).all():
        conn.execute(
            event.update().where(event.c.id == event_id).values(screen_key=secrets.token_hex(16))
        )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.alter_column("screen_key", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("screen_key")
