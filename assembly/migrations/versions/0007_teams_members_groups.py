"""teams per event, team invites, the members' roster, stakeholder groups on people and posts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:50:00

Accounts that had a console-wide role (facilitator, moderator) keep what they could do: they
join every existing event's team in that role and become plain accounts ("staff"). Organisers
stay the installation's organisers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team_member",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["facilitator_account.id"],
            name=op.f("fk_team_member_account_id_facilitator_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_team_member_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "account_id", name=op.f("pk_team_member")),
    )
    op.create_index(op.f("ix_team_member_account_id"), "team_member", ["account_id"])
    op.create_table(
        "team_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=60), server_default="", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["facilitator_account.id"],
            name=op.f("fk_team_invite_created_by_facilitator_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
            name=op.f("fk_team_invite_event_id_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["facilitator_account.id"],
            name=op.f("fk_team_invite_used_by_facilitator_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_team_invite_token_hash")),
    )
    op.create_index(op.f("ix_team_invite_event_id"), "team_invite", ["event_id"])
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("group_name", sa.String(length=60), server_default="", nullable=False),
        sa.Column("table_label", sa.String(length=40), server_default="", nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=True),
        sa.Column("checked_in_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_member_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_member_participant_id_participant"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("code", name=op.f("uq_member_code")),
    )
    op.create_index(op.f("ix_member_event_id"), "member", ["event_id"])
    for table in ("participant", "contribution", "ballot"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("group_name", sa.String(length=60), server_default="", nullable=False)
            )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("table_label", sa.String(length=40), server_default="", nullable=False)
        )
    # Console-wide roles become a role on every event there is, as they could do before.
    op.execute(
        "INSERT INTO team_member (event_id, account_id, role, added_at) "
        "SELECT event.id, facilitator_account.id, facilitator_account.role, CURRENT_TIMESTAMP "
        "FROM event CROSS JOIN facilitator_account "
        "WHERE facilitator_account.role IN ('facilitator', 'moderator')"
    )
    op.execute("UPDATE facilitator_account SET role = 'staff' WHERE role <> 'organiser'")


def downgrade() -> None:
    op.execute(
        "UPDATE facilitator_account SET role = COALESCE((SELECT MIN(role) FROM team_member "
        "WHERE team_member.account_id = facilitator_account.id), 'moderator') "
        "WHERE role = 'staff'"
    )
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("table_label")
    for table in ("ballot", "contribution", "participant"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("group_name")
    op.drop_index(op.f("ix_member_event_id"), table_name="member")
    op.drop_table("member")
    op.drop_index(op.f("ix_team_invite_event_id"), table_name="team_invite")
    op.drop_table("team_invite")
    op.drop_index(op.f("ix_team_member_account_id"), table_name="team_member")
    op.drop_table("team_member")
