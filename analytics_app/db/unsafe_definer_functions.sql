-- SECURITY DEFINER functions anywhere in the database that a caller's pg_temp objects
-- could hijack (no pinned path, or pg_temp not last) or that a superuser owns.
-- Run by analytics_app/db/definers.py, with no parameters.
SELECT p.oid::regprocedure::text AS function,
       concat_ws('; ',
           CASE WHEN NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                                 WHERE c LIKE 'search_path=%')
                    THEN 'no pinned search_path (pg_temp would be searched first)'
                WHEN NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c
                                 WHERE c ~ '^search_path=.*(^|[=,])\s*"?pg_temp"?\s*$')
                    THEN 'search_path does not end with pg_temp: '
                         || (SELECT c FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
           END,
           CASE WHEN r.rolsuper THEN 'owned by the superuser ' || r.rolname END) AS problem
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_roles r ON r.oid = p.proowner
WHERE p.prosecdef
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND (r.rolsuper OR NOT EXISTS (
        SELECT 1 FROM unnest(p.proconfig) c
        WHERE c ~ '^search_path=.*(^|[=,])\s*"?pg_temp"?\s*$'))
ORDER BY 1
