"""poll settings (results, reveal, secret, majority, quorum, statements), statement moderation,
ballots' role and hidden answers, and secret ballots' receipts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_statements", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("results", sa.String(length=10), server_default="live", nullable=False)
        )
        batch_op.add_column(sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("secret", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("published_ballots", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("majority", sa.String(length=12), server_default="none", nullable=False)
        )
        batch_op.add_column(sa.Column("quorum", sa.Float(), nullable=True))
    with op.batch_alter_table("poll_option", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), server_default="visible", nullable=False)
        )
        batch_op.add_column(sa.Column("participant_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_poll_option_participant_id_participant"),
            "participant",
            ["participant_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=10), server_default="public", nullable=False)
        )
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), server_default="0", nullable=False))
    # Ballots cast before this version: their voter's role, where the voter is still known.
    op.execute(
        "update ballot set role = (select participant.role from participant"
        " where participant.id = ballot.participant_id)"
        " where participant_id is not null and exists (select 1 from participant"
        " where participant.id = ballot.participant_id and participant.role = 'member')"
    )
    op.create_table(
        "ballot_receipt",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_ballot_receipt_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["poll.id"],
            name=op.f("fk_ballot_receipt_poll_id_poll"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "participant_id", name=op.f("pk_ballot_receipt")),
        # SQLite stores rows in key order, not in the order people voted (no rowid to follow).
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("ballot_receipt")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_column("hidden")
        batch_op.drop_column("role")
    with op.batch_alter_table("poll_option", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_poll_option_participant_id_participant"), type_="foreignkey"
        )
        batch_op.drop_column("participant_id")
        batch_op.drop_column("status")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        for column in (
            "quorum",
            "majority",
            "published_ballots",
            "secret",
            "revealed_at",
            "results",
            "allow_statements",
        ):
            batch_op.drop_column(column)
