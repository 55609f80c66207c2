"""ふりがな copies: a post's HTML, a room's three texts and a department's answer with readings
over their kanji, read once when written (existing ones by `flask export refresh-text` or the
worker; until then pages show them without readings)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_ruby_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ruby_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ruby_texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ruby_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('department_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ruby_texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ruby_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('department_answer', schema=None) as batch_op:
        batch_op.drop_column('ruby_version')
        batch_op.drop_column('ruby_texts')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('ruby_version')
        batch_op.drop_column('ruby_texts')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('ruby_version')
        batch_op.drop_column('body_ruby_html')
