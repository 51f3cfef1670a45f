"""the speaker queue: raised hands, and whether calls alternate room and online

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UP = sa.text("status IN ('waiting', 'called', 'speaking')")


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_alternate", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "speaker_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("group_name", sa.String(length=60), server_default="", nullable=False),
        sa.Column("topic", sa.String(length=120), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_speaker_request_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_speaker_request_participant_id_participant"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session.id"],
            name=op.f("fk_speaker_request_session_id_session"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_request")),
    )
    op.create_index(
        op.f("ix_speaker_request_event_id"), "speaker_request", ["event_id"], unique=False
    )
    op.create_index(
        "uq_speaker_request_one_up",
        "speaker_request",
        ["event_id", "participant_id"],
        unique=True,
        postgresql_where=_UP,
        sqlite_where=_UP,
    )


def downgrade() -> None:
    op.drop_index("uq_speaker_request_one_up", table_name="speaker_request")
    op.drop_index(op.f("ix_speaker_request_event_id"), table_name="speaker_request")
    op.drop_table("speaker_request")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("queue_alternate")
