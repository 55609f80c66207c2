"""rendered post HTML: the body rendered and sanitized once, when written

Existing posts get their copy from `flask export refresh-text` or the worker; until then pages
render them when read, as before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('html_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('html_version')
        batch_op.drop_column('body_html')
