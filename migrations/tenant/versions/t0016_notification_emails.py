"""notification_emails: the outbox of the emails an alert or a disabled webhook endpoint
sends, written in the transaction that records the alert or disables the endpoint, and
sent once each by `flask alerts check` / `flask webhooks deliver` (FOR UPDATE SKIP LOCKED).

user_id names a row of public.users without a foreign key: one key per tenant schema on
public.users would make every change to a user check 10,000 tables. The sender skips a
user that is gone or deactivated.

Revision ID: t0016
Revises: t0015
"""

from alembic import op

revision = "t0016"
down_revision = "t0015"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE notification_emails (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind         text NOT NULL CHECK (kind IN ('alert', 'endpoint_disabled')),
            alert_id     bigint REFERENCES alerts (id) ON DELETE CASCADE,
            endpoint_id  bigint REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
            user_id      integer NOT NULL,
            status       text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sent', 'skipped', 'expired')),
            attempts     integer NOT NULL DEFAULT 0,
            last_error   text,
            message_id   text,
            created_at   timestamptz NOT NULL DEFAULT now(),
            sent_at      timestamptz,
            CHECK ((kind = 'alert') = (alert_id IS NOT NULL)),
            CHECK ((kind = 'endpoint_disabled') = (endpoint_id IS NOT NULL)),
            CONSTRAINT notification_emails_once
                UNIQUE NULLS NOT DISTINCT (kind, alert_id, endpoint_id, user_id)
        );
        CREATE INDEX notification_emails_pending ON notification_emails (created_at)
            WHERE status = 'pending';
        COMMENT ON TABLE notification_emails IS
            'Emails owed for an alert (to users with alert emails on) or a disabled webhook endpoint (to the owner); sent once each.';
        """
    )


def downgrade():
    op.execute("DROP TABLE notification_emails")
