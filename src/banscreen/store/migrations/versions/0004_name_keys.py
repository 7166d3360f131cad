"""The stored parties' name keys, which the delta re-screen searches from the changed
list entries to the parties (instead of every party against the changes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("keys_version", sa.String(20), nullable=True))
    op.create_table(
        "name_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_id", sa.Integer, sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("variant", sa.Integer, nullable=False),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
    )
    op.create_index("ix_name_keys_key", "name_keys", ["key"])
    op.create_index("ix_name_keys_subject", "name_keys", ["subject_id"])
    op.create_table("name_words", sa.Column("word", sa.String(200), primary_key=True))


def downgrade() -> None:
    op.drop_table("name_words")
    op.drop_index("ix_name_keys_subject", "name_keys")
    op.drop_index("ix_name_keys_key", "name_keys")
    op.drop_table("name_keys")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("keys_version")
