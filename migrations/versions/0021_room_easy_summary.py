"""a room's summary in やさしい日本語 (plain Japanese), optional, shown behind a link at the top of
the room page

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('easy_summary', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('easy_summary')
