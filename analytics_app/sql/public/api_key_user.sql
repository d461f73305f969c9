-- The one API-key check: the active user of this tenant owning the unrevoked key with
-- this public prefix, if the secret's SHA-256 matches (hashes of 256-bit random secrets:
-- comparing them reveals nothing usable). No row: not a valid key. A key's last_used_at
-- is written at most once a minute (key_touched: this call wrote it; the caller commits).
-- begin_api_request() (the API) and accounts.user_for_key() (every other path) call it.
CREATE FUNCTION public.api_key_user(p_tenant_id integer, p_key_prefix text, p_key_sha256 text)
RETURNS TABLE (user_id integer, session_version integer, key_touched boolean)
LANGUAGE plpgsql VOLATILE
AS $fn$
DECLARE
    k record;
BEGIN
    SELECT u.id, u.session_version, tok.id AS token_id, tok.key_hash,
           (tok.last_used_at IS NULL OR tok.last_used_at < now() - interval '1 minute') AS stale
    INTO k
    FROM public.api_tokens tok JOIN public.users u ON u.id = tok.user_id
    WHERE tok.key_prefix = p_key_prefix AND tok.revoked_at IS NULL
      AND u.tenant_id = p_tenant_id AND u.is_active;
    IF NOT FOUND OR k.key_hash IS DISTINCT FROM p_key_sha256 THEN
        RETURN;
    END IF;
    IF k.stale THEN
        UPDATE public.api_tokens SET last_used_at = now() WHERE id = k.token_id;
    END IF;
    user_id := k.id;
    session_version := k.session_version;
    key_touched := k.stale;
    RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION public.api_key_user(integer, text, text) IS
    'The API-key check: the active user of the tenant owning the unrevoked key (prefix, '
    'SHA-256 of the secret); no row: not valid. Touches last_used_at at most once a minute.';
