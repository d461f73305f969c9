"""Alerts (SPEC Part 6) and the webhook outbox: alerts recorded once per rule and subject,
the tenant's webhook endpoints (their signing secrets sealed with the app's key), and one
delivery row per event and endpoint, written in the transaction that records the alert.

Revision ID: t0015
Revises: t0014
"""

from alembic import op

revision = "t0015"
down_revision = "t0014"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE alerts (
            id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            rule       text NOT NULL
                       CHECK (rule IN ('no_show_spike', 'quiet_days_ahead', 'revenue_drop')),
            subject    date NOT NULL,
            value      numeric NOT NULL,
            baseline   numeric,
            threshold  numeric NOT NULL,
            message    text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT alerts_once UNIQUE (rule, subject)
        );
        CREATE INDEX alerts_created_at_idx ON alerts (created_at);
        COMMENT ON TABLE alerts IS
            'One row per alert (rule, subject date): recorded once however often flask alerts check runs.';

        CREATE TABLE webhook_endpoints (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            url           text NOT NULL,
            events        text[] NOT NULL CHECK (events <@ ARRAY['alert.triggered', 'ping']),
            secret_sealed text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            disabled_at   timestamptz
        );
        COMMENT ON COLUMN webhook_endpoints.secret_sealed IS
            'The signing secret sealed with the app''s SECRET_KEY: a reader of this table cannot sign.';

        CREATE TABLE webhook_deliveries (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
            event_id        text NOT NULL,
            event_type      text NOT NULL,
            payload         jsonb NOT NULL,
            status          text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts        integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            last_status     integer,
            last_error      text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            delivered_at    timestamptz,
            CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
            WHERE status = 'pending';
        CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
        """
    )


def downgrade():
    op.execute("DROP TABLE webhook_deliveries, webhook_endpoints, alerts")
