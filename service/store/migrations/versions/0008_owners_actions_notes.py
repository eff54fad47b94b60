"""owners of touchpoints and clusters, actions taken on them, analysts' notes on clusters, and
each cluster's theme (the two-level hierarchy) and whether it is generic venting

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clusters") as batch:  # SQLite rebuilds the table for an ALTER
        batch.add_column(sa.Column("generic", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("theme_label", sa.String(length=300), nullable=True))
    op.create_table(
        "owners",
        sa.Column("kind", sa.String(length=16), primary_key=True),
        sa.Column("taxonomy", sa.String(length=100), primary_key=True),
        sa.Column("subject", sa.String(length=64), primary_key=True),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("taxonomy", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("done_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_actions_subject", "actions", ["kind", "taxonomy", "subject"])
    op.create_table(
        "cluster_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cluster_notes_cluster_id", "cluster_notes", ["cluster_id"])


def downgrade() -> None:
    op.drop_index("ix_cluster_notes_cluster_id", table_name="cluster_notes")
    op.drop_table("cluster_notes")
    op.drop_index("ix_actions_subject", table_name="actions")
    op.drop_table("actions")
    op.drop_table("owners")
    with op.batch_alter_table("clusters") as batch:
        batch.drop_column("theme_label")
        batch.drop_column("theme_id")
        batch.drop_column("generic")
