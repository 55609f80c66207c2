"""page versions: a number per thread, room, board and the site, moved by every write a guest
could see, in the same transaction; cached guest pages are filed under them

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 10:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_version',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_page_version')),
    )


def downgrade():
    op.drop_table('page_version')
