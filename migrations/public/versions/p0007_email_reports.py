"""Email reports: users.report_frequency, report_deliveries, and when reports fall due.

A delivery is one user's report for one period. Its unique key (user, frequency,
period_start) is what makes `flask reports send` send each report once: a rerun or a
second sender finds the row already there, and a sender claims a row with
FOR UPDATE SKIP LOCKED before sending (docs/email-reports.md). The functions that say
when reports fall due live in analytics_app/sql/public/ (report_due_period.sql,
due_report_deliveries.sql), repeatable catalogue objects.

Revision ID: p0007
Revises: p0006
"""

from alembic import op

revision = "p0007"
down_revision = "p0006"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        r"""
        ALTER TABLE public.users
            ADD COLUMN report_frequency text NOT NULL DEFAULT 'off'
            CONSTRAINT users_report_frequency_check
                CHECK (report_frequency IN ('off', 'weekly', 'monthly'));
        COMMENT ON COLUMN public.users.report_frequency IS
            'Email reports: off, weekly (last Monday-Sunday, due 08:00 local on Monday) or '
            'monthly (last calendar month, due 08:00 local on the 1st).';

        CREATE TABLE public.report_deliveries (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id         integer NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
            frequency       text NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
            period_start    date NOT NULL,
            period_end      date NOT NULL CHECK (period_end >= period_start),
            due_at          timestamptz NOT NULL,
            expires_at      timestamptz NOT NULL CHECK (expires_at > due_at),
            status          text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'sent', 'skipped', 'expired')),
            attempts        integer NOT NULL DEFAULT 0,
            last_error      text,
            last_attempt_at timestamptz,
            sent_at         timestamptz,
            message_id      text,
            created_at      timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT report_deliveries_once UNIQUE (user_id, frequency, period_start)
        );
        CREATE INDEX report_deliveries_waiting ON public.report_deliveries (due_at)
            WHERE status = 'pending';
        COMMENT ON TABLE public.report_deliveries IS
            'One row per email report (user, frequency, period): pending until sent; a failed '
            'attempt stays pending with last_error and is retried until expires_at; skipped '
            'when the user no longer wants it at send time; expired when never sent in time.';
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE public.report_deliveries;
        ALTER TABLE public.users DROP COLUMN report_frequency;
        """
    )
