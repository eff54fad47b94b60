"""journey indexes: the journey map aggregates from indexes alone (no read of the wide rows)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:30:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Covering: a period's comments are a range of (taxonomy, created_at), and every column the
    # aggregates read is in the index (id too: PostgreSQL indexes do not carry it implicitly).
    op.create_index(
        "ix_comments_journey",
        "comments",
        ["taxonomy", "created_at", "stage", "sentiment", "sentiment_score", "source", "id"],
    )
    op.create_index(
        "ix_mentions_journey", "mentions", ["comment_id", "touchpoint", "sentiment", "sentiment_score"]
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_journey", table_name="mentions")
    op.drop_index("ix_comments_journey", table_name="comments")
