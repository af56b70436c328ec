"""security hardening: audit hash chain (append-only trigger on PostgreSQL), criteria hashes

Revision ID: c3e6a2f40003
Revises: a8c1e7d90008
Create Date: 2026-12-04 01:30:00

"""
from alembic import op
import sqlalchemy as sa

from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import criteria_hash
from zi_assess.models.audit import GENESIS_HASH, HASHED_COLUMNS, row_digest


# revision identifiers, used by Alembic.
revision = 'c3e6a2f40003'
down_revision = 'a8c1e7d90008'
branch_labels = None
depends_on = None

_AUDIT = sa.table(
    'audit_event',
    sa.column('id', sa.Integer()),
    sa.column('at', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer()),
    sa.column('actor_email', sa.String()),
    sa.column('actor_role', sa.String()),
    sa.column('ip', sa.String()),
    sa.column('request_id', sa.String()),
    sa.column('action', sa.String()),
    sa.column('assessment_id', sa.Integer()),
    sa.column('indicator_id', sa.String()),
    sa.column('layer', sa.String()),
    sa.column('before', sa.JSON()),
    sa.column('after', sa.JSON()),
    sa.column('detail', sa.JSON()),
    sa.column('prev_hash', sa.String()),
    sa.column('row_hash', sa.String()),
)

_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION zi_audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""
_APPEND_ONLY_TRIGGER = """
CREATE TRIGGER zi_audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
FOR EACH ROW EXECUTE FUNCTION zi_audit_event_append_only()
"""


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_role', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
    _chain_existing_rows()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_APPEND_ONLY_FUNCTION)
        op.execute(_APPEND_ONLY_TRIGGER)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('stored_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_hash', sa.String(length=64), nullable=True))
    _hash_existing_criteria()


def _hash_existing_criteria():
    """Assessments and stored reports record the hash of their criteria version's current files (a
    version no longer found stays unrecorded, and so unchecked)."""
    bind = op.get_bind()
    for table_name in ('assessment', 'stored_report'):
        table = sa.table(table_name, sa.column('criteria_id', sa.String()), sa.column('criteria_hash', sa.String()))
        for (criteria_id,) in bind.execute(sa.select(table.c.criteria_id).distinct()).all():
            try:
                digest = criteria_hash(criteria_id)
            except CriteriaError:
                continue
            bind.execute(table.update().where(table.c.criteria_id == criteria_id).values(criteria_hash=digest))


def _chain_existing_rows():
    """The rows written before the chain existed join it, in id order."""
    bind = op.get_bind()
    previous = GENESIS_HASH
    rows = bind.execute(sa.select(_AUDIT).order_by(_AUDIT.c.id)).mappings().all()
    for row in rows:
        values = {name: row[name] for name in HASHED_COLUMNS}
        digest = row_digest(previous, values)
        bind.execute(_AUDIT.update().where(_AUDIT.c.id == row['id']).values(prev_hash=previous, row_hash=digest))
        previous = digest


def downgrade():
    with op.batch_alter_table('stored_report', schema=None) as batch_op:
        batch_op.drop_column('criteria_hash')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('criteria_hash')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS zi_audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS zi_audit_event_append_only()")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('actor_role')
