"""organisation administration: instansi place and activation, unit head and activation, instansi admins,
admins' logged reasons to read an assessment before it is proposed, proposal quotas per instansi and year, evidence and author of each prerequisite value

Revision ID: d4f7b3a50004
Revises: c3e6a2f40003
Create Date: 2026-12-04 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f7b3a50004'
down_revision = 'c3e6a2f40003'
branch_labels = None
depends_on = None

OLD_SCOPE = (
    "(role IN ('unit_operator', 'unit_head') AND unit_id IS NOT NULL AND instansi_id IS NULL)"
    " OR (role IN ('tpi_evaluator', 'tpi_lead', 'manager') AND instansi_id IS NOT NULL AND unit_id IS NULL)"
    " OR (role IN ('tpn_evaluator', 'national_manager', 'admin') AND unit_id IS NULL AND instansi_id IS NULL)"
)
NEW_SCOPE = OLD_SCOPE.replace("'tpi_lead', 'manager')", "'tpi_lead', 'manager', 'instansi_admin')")


def upgrade():
    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provinsi', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('kabkota', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_name', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignment_scope_matches_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignment_scope_matches_role'), NEW_SCOPE)
    with op.batch_alter_table('prerequisite_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=True))
    op.create_table('draft_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_draft_access_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_draft_access_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_access'))
    )
    with op.batch_alter_table('draft_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_access_user_id'), ['user_id'], unique=False)
    op.create_table('proposal_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('max_units', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_proposal_quota_instansi_id_instansi'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_quota')),
    sa.UniqueConstraint('year', 'instansi_id', name='year_instansi')
    )


def downgrade():
    with op.batch_alter_table('prerequisite_record', schema=None) as batch_op:
        batch_op.drop_column('sources')
    op.drop_table('proposal_quota')
    with op.batch_alter_table('draft_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_access_user_id'))
    op.drop_table('draft_access')
    op.execute("DELETE FROM role_assignment WHERE role = 'instansi_admin'")
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_role_assignment_scope_matches_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_role_assignment_scope_matches_role'), OLD_SCOPE)
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('is_active')
        batch_op.drop_column('head_name')
    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.drop_column('is_active')
        batch_op.drop_column('kabkota')
        batch_op.drop_column('provinsi')
