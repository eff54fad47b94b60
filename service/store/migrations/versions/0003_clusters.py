"""clusters: pain clusters, each comment's cluster, touchpoint trends

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("linked_touchpoint", sa.String(length=64), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("touchpoint", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("negative_share", sa.Float(), nullable=False),
        sa.Column("mean_sentiment", sa.Float(), nullable=False),
        sa.Column("touchpoints", sa.JSON(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("representatives", sa.JSON(), nullable=False),
        sa.Column("emerging", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("trend", sa.JSON(), nullable=False),
        sa.Column("growth", sa.Float(), nullable=False),
        sa.Column("centre", sa.LargeBinary(), nullable=False),
        sa.Column("radius", sa.Float(), nullable=False),
        sa.Column("embedding_model", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "touchpoint_trends",
        sa.Column("touchpoint", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("trend", sa.JSON(), nullable=False),
        sa.Column("emerging", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("touchpoint", "scope"),
    )
    with op.batch_alter_table("comments") as batch:  # SQLite rebuilds the table for an ALTER
        batch.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch.create_index("ix_comments_cluster_id", ["cluster_id"])


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_cluster_id")
        batch.drop_column("cluster_id")
    op.drop_table("touchpoint_trends")
    op.drop_table("clusters")
