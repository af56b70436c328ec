"""organisation administration: instansi place and activation, unit head and activation, instansi admins

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


def downgrade():
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
