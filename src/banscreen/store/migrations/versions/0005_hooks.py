"""Webhooks and their delivery log: audit events pushed to the users' systems.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "hook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hook_id", sa.Integer, sa.ForeignKey("hooks.id"), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("event", sa.String(60), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("hook_id", "event_seq"),
    )
    op.create_index("ix_hook_deliveries_due", "hook_deliveries", ["status", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_hook_deliveries_due", "hook_deliveries")
    op.drop_table("hook_deliveries")
    op.drop_table("hooks")
