"""ふりがな copies of the answer table's rows (意見の概要 and 市の考え方), read once when saved

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ruby_texts', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('ruby_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('answer_row', schema=None) as batch_op:
        batch_op.drop_column('ruby_version')
        batch_op.drop_column('ruby_texts')
