"""reports rendered off the request path: render jobs, and leases on bulk-export items

Revision ID: b2d5f1e30002
Revises: d4f7b3a50004
Create Date: 2026-12-04 01:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'b2d5f1e30002'
down_revision = 'd4f7b3a50004'
branch_labels = None
depends_on = None

#: JSONB on PostgreSQL, JSON elsewhere (as every JSON document of the schema)
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table('render_job',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('layer', sa.String(length=16), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('params', DOCUMENT, nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('draft', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_render_job_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_render_job_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_job')),
    sa.UniqueConstraint('key', name=op.f('uq_render_job_key'))
    )
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_render_job_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_render_job_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_render_job_requested_at'), ['requested_at'], unique=False)
    with op.batch_alter_table('export_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('export_item', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('attempts')
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_render_job_requested_at'))
        batch_op.drop_index(batch_op.f('ix_render_job_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_render_job_assessment_id'))
    op.drop_table('render_job')
