"""export job lease: a running job is held for minutes at a time, renewed while it works

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 08:00:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', forum.models.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
