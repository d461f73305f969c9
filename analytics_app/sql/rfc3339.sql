-- An instant as RFC 3339 text in a time zone: 2024-12-01T00:00:00-05:00 ("Z" for a zero offset).
CREATE FUNCTION rfc3339(p_at timestamptz, p_zone text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT to_char(p_at AT TIME ZONE p_zone, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN o = 0 THEN 'Z'
                ELSE CASE WHEN o < 0 THEN '-' ELSE '+' END
                  || to_char(abs(o) / 3600, 'FM00') || ':' || to_char(abs(o) % 3600 / 60, 'FM00')
           END
    FROM (SELECT extract(epoch FROM (p_at AT TIME ZONE p_zone) - (p_at AT TIME ZONE 'UTC'))::int AS o) off
$$;

COMMENT ON FUNCTION rfc3339(timestamptz, text) IS
    'Format an instant as RFC 3339 in the given IANA zone, with that zone''s offset at that instant ("Z" when zero).';
