"""Separation of duties, second-factor limits and the keyed audit chain.

- user_account.role_grant / role_granted_by: how each account's role was granted (app/accounts/duties.py).
  Existing accounts become "legacy": they keep working, but a legacy hospital-side account (reviewer,
  custodian, audit administrator, finance) may neither decide a lot nor approve a grant until its role is
  confirmed at the console (`folio user confirm`) or granted again through an approval.
- web_session.factor_failures: wrong second-factor codes per half-signed-in session.
- audit_event.mac: HMAC-SHA256 of each event's hash under the key kept outside the database. Existing
  events have none; `folio audit rekey` seals them once after checking that their unkeyed chain is intact
  (check it against the last exported head first: `folio audit verify --head FILE`).

Revision ID: 5d1e7c2a9b40
Revises: c8f9885bf82e
Create Date: 2026-11-30 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5d1e7c2a9b40"
down_revision: str | None = "c8f9885bf82e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column(
                "role_grant", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="legacy"
            )
        )
        batch.add_column(sa.Column("role_granted_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_user_account_role_granted_by_user_account"), "user_account", ["role_granted_by"], ["id"]
        )
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("factor_failures", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("factor_failures")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("fk_user_account_role_granted_by_user_account"), type_="foreignkey")
        batch.drop_column("role_granted_by")
        batch.drop_column("role_grant")
