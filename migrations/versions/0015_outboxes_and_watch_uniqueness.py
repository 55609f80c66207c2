"""mail outbox, search outbox ids never reused, one watch per user and target

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 04:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', forum.models.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', forum.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', forum.models.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)

    # SQLite: AUTOINCREMENT, so an emptied outbox never hands out an id again; the rows waiting
    # are copied over. PostgreSQL's sequence never reuses an id, and recreating the table there
    # would start a new sequence below the ids still waiting.
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('search_outbox', schema=None, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            pass

    # The old unique constraint never fired (one target is always NULL): keep the oldest watch.
    op.execute("DELETE FROM watch WHERE id NOT IN "
               "(SELECT keep FROM (SELECT MIN(id) AS keep FROM watch GROUP BY user_id, room_id, thread_id) AS k)")
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.drop_constraint('uq_watch_user_id', type_='unique')
    op.create_index('uq_watch_user_room', 'watch', ['user_id', 'room_id'], unique=True,
                    sqlite_where=sa.text('room_id IS NOT NULL'), postgresql_where=sa.text('room_id IS NOT NULL'))
    op.create_index('uq_watch_user_thread', 'watch', ['user_id', 'thread_id'], unique=True,
                    sqlite_where=sa.text('thread_id IS NOT NULL'),
                    postgresql_where=sa.text('thread_id IS NOT NULL'))


def downgrade():
    op.drop_index('uq_watch_user_thread', table_name='watch')
    op.drop_index('uq_watch_user_room', table_name='watch')
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_watch_user_id', ['user_id', 'room_id', 'thread_id'])
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('search_outbox', schema=None, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': False}) as batch_op:
            pass
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_next_attempt_at'))
    op.drop_table('mail_outbox')
