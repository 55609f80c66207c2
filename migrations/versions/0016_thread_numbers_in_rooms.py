"""thread numbers in rooms (the 「2-5」 opinion references)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_thread_number', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_number', sa.Integer(), nullable=True))

    # the threads of each room numbered in the order they were started
    bind = op.get_bind()
    thread = sa.table('thread', sa.column('id', sa.Integer), sa.column('room_id', sa.Integer),
                      sa.column('room_number', sa.Integer))
    room = sa.table('room', sa.column('id', sa.Integer), sa.column('next_thread_number', sa.Integer))
    counts: dict[int, int] = {}
    for thread_id, room_id in bind.execute(sa.select(thread.c.id, thread.c.room_id)
                                           .where(thread.c.room_id.is_not(None)).order_by(thread.c.id)).all():
        counts[room_id] = counts.get(room_id, 0) + 1
        bind.execute(thread.update().where(thread.c.id == thread_id).values(room_number=counts[room_id]))
    for room_id, count in counts.items():
        bind.execute(room.update().where(room.c.id == room_id).values(next_thread_number=count + 1))

    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_thread_room_id'), ['room_id', 'room_number'])


def downgrade():
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_thread_room_id'), type_='unique')
        batch_op.drop_column('room_number')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('next_thread_number')
