"""Email reports: users.report_frequency, report_deliveries, and when reports fall due.

A delivery is one user's report for one period. Its unique key (user, frequency,
period_start) is what makes `flask reports send` send each report once: a rerun or a
second sender finds the row already there, and a sender claims a row with
FOR UPDATE SKIP LOCKED before sending (docs/email-reports.md).

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

        -- The latest period of a frequency whose report fell due at or before p_now, in a
        -- time zone: a week (Monday-Sunday) is due at 08:00 on the Monday after it, a month
        -- on the 1st after it, and may go out until 7 / 28 days later (expires_at).
        CREATE FUNCTION public.report_due_period(p_frequency text, p_timezone text,
                                                 p_now timestamptz)
        RETURNS TABLE (period_start date, period_end date, due_at timestamptz,
                       expires_at timestamptz)
        LANGUAGE sql STABLE
        AS $fn$
            WITH rule AS (
                SELECT CASE p_frequency WHEN 'weekly' THEN 'week' ELSE 'month' END AS unit,
                       CASE p_frequency WHEN 'weekly' THEN interval '7 days'
                                        ELSE interval '1 month' END AS length,
                       CASE p_frequency WHEN 'weekly' THEN 7 ELSE 28 END AS late_days
                WHERE p_frequency IN ('weekly', 'monthly')
            ),
            local AS (
                SELECT r.*, p_now AT TIME ZONE p_timezone AS now_local,
                       date_trunc(r.unit, p_now AT TIME ZONE p_timezone)::date AS current_start
                FROM rule r
            ),
            due AS (
                SELECT l.*, CASE WHEN l.now_local >= l.current_start + time '08:00'
                                 THEN l.current_start
                                 ELSE (l.current_start - l.length)::date END AS day
                FROM local l
            )
            SELECT (d.day - d.length)::date, d.day - 1,
                   (d.day + time '08:00') AT TIME ZONE p_timezone,
                   (d.day + d.late_days + time '08:00') AT TIME ZONE p_timezone
            FROM due d
        $fn$;
        COMMENT ON FUNCTION public.report_due_period(text, text, timestamptz) IS
            'The latest weekly or monthly period whose email report fell due (08:00 local on '
            'the Monday / the 1st after it) at or before p_now in zone p_timezone.';

        -- The reports due at p_now: for each active user of a tenant with
        -- advanced_analytics whose frequency is weekly or monthly, the latest period due,
        -- while it may still go out, if the user was created before it fell due.
        -- p_schemas: only these tenants (NULL: all).
        CREATE FUNCTION public.due_report_deliveries(p_now timestamptz,
                                                     p_schemas text[] DEFAULT NULL)
        RETURNS TABLE (user_id integer, schema_name text, email text, frequency text,
                       period_start date, period_end date, due_at timestamptz,
                       expires_at timestamptz)
        LANGUAGE sql STABLE
        AS $fn$
            SELECT u.id, t.schema_name, u.email, u.report_frequency, d.period_start,
                   d.period_end, d.due_at, d.expires_at
            FROM public.tenants t
            LEFT JOIN public.subscription_plans p ON p.id = t.plan_id
            JOIN public.users u ON u.tenant_id = t.id
            CROSS JOIN LATERAL public.report_due_period(u.report_frequency, t.timezone, p_now) d
            WHERE coalesce(t.advanced_analytics,
                           (p.permissions ->> 'advanced_analytics')::boolean, false)
              AND (p_schemas IS NULL OR t.schema_name = ANY (p_schemas))
              AND u.is_active
              AND u.report_frequency IN ('weekly', 'monthly')
              AND u.created_at < d.due_at
              AND p_now < d.expires_at
            ORDER BY d.due_at, u.id
        $fn$;
        COMMENT ON FUNCTION public.due_report_deliveries(timestamptz, text[]) IS
            'Email reports due at p_now (see docs/email-reports.md): one row per user and '
            'period, whether or not already sent (report_deliveries says that).';
        """
    )


def downgrade():
    op.execute(
        """
        DROP FUNCTION public.due_report_deliveries(timestamptz, text[]);
        DROP FUNCTION public.report_due_period(text, text, timestamptz);
        DROP TABLE public.report_deliveries;
        ALTER TABLE public.users DROP COLUMN report_frequency;
        """
    )
