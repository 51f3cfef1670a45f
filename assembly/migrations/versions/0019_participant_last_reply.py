"""The newest response to a participant's contributions, so a page load looks for unread
replies only when there is one

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("last_reply_id", sa.Integer(), nullable=True))
    # Replies given before this column: each participant's newest, so none is missed.
    op.execute(
        "UPDATE participant SET last_reply_id = (SELECT max(response.id) FROM response "
        "JOIN contribution ON contribution.id = response.contribution_id "
        "WHERE contribution.participant_id = participant.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("last_reply_id")
