"""comment language: the ISO 639-1 code detected for each comment's text

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:  # SQLite rebuilds the table for an ALTER
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.create_index("ix_comments_language", ["language"])


def downgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_language")
        batch.drop_column("language")
