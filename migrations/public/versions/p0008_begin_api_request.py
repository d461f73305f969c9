"""public.begin_api_request(): an API request's first and only statement before its report.

One round trip finds the tenant by host, points the transaction at its schema, checks
the API key, answers the feature gate under that search path (public.tenant_has_feature,
as before), and applies the report's transaction settings; the report function is the
second round trip. It replaces four: tenant lookup, key lookup, feature check, settings
(docs/decisions.md "A lean request path").

Revision ID: p0008
Revises: p0007
"""

from alembic import op

revision = "p0008"
down_revision = "p0007"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        r"""
        -- No SET clause on purpose: the search_path it sets must outlive the call (it is
        -- transaction-local, set_config(..., true), and gone at commit or rollback).
        CREATE FUNCTION public.begin_api_request(
            p_host text,
            p_key_prefix text,
            p_key_sha256 text,
            p_features text[],
            p_read_only boolean,
            p_timeout_ms integer
        ) RETURNS TABLE (tenant_id integer, schema_name text, tenant_name text,
                         timezone text, user_id integer, session_version integer,
                         key_touched boolean, granted text[])
        LANGUAGE plpgsql VOLATILE
        AS $fn$
        DECLARE
            t record;
            k record;
        BEGIN
            SELECT tn.id, tn.schema_name, tn.name, tn.timezone INTO t
            FROM public.domains d JOIN public.tenants tn ON tn.id = d.tenant_id
            WHERE d.domain = p_host;
            IF NOT FOUND THEN
                RETURN;  -- no row: an unknown host
            END IF;
            PERFORM set_config('search_path', format('%I, public', t.schema_name), true);
            tenant_id := t.id;
            schema_name := t.schema_name;
            tenant_name := t.name;
            timezone := t.timezone;
            key_touched := false;
            IF p_key_prefix IS NOT NULL THEN
                SELECT u.id, u.session_version, tok.id AS token_id, tok.key_hash,
                       (tok.last_used_at IS NULL
                        OR tok.last_used_at < now() - interval '1 minute') AS stale
                INTO k
                FROM public.api_tokens tok JOIN public.users u ON u.id = tok.user_id
                WHERE tok.key_prefix = p_key_prefix AND tok.revoked_at IS NULL
                  AND u.tenant_id = t.id AND u.is_active;
                -- Hashes of 256-bit random secrets: comparing them reveals nothing usable.
                IF FOUND AND k.key_hash = p_key_sha256 THEN
                    user_id := k.id;
                    session_version := k.session_version;
                    IF k.stale THEN  -- written at most once a minute per key
                        UPDATE public.api_tokens SET last_used_at = now()
                        WHERE id = k.token_id;
                        key_touched := true;
                    END IF;
                END IF;
            END IF;
            -- The gate, answered under the tenant's search path as everywhere else.
            granted := ARRAY(SELECT f FROM unnest(p_features) AS f
                             WHERE public.tenant_has_feature(f));
            IF p_read_only THEN
                PERFORM set_config('transaction_read_only', 'on', true);
            END IF;
            IF p_timeout_ms IS NOT NULL THEN
                PERFORM set_config('statement_timeout', p_timeout_ms::text, true);
            END IF;
            RETURN NEXT;
        END
        $fn$;
        COMMENT ON FUNCTION public.begin_api_request(text, text, text, text[], boolean, integer) IS
            'An API request''s first statement: tenant by host (no row: unknown), search path, '
            'API key (user_id NULL: not valid), granted features, transaction settings.';
        """
    )


def downgrade():
    op.execute("DROP FUNCTION public.begin_api_request(text, text, text, text[], boolean, integer)")
