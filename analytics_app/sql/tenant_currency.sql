-- The ISO 4217 currency of the tenant that owns this schema: the unit of every amount
-- the reports give (`*_cents` fields hold its minor unit: cents, yen, fils).
CREATE FUNCTION tenant_currency() RETURNS text
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT coalesce(
        (SELECT currency FROM public.tenants WHERE schema_name = current_schema()::text COLLATE "default"),
        'USD')
$$;

COMMENT ON FUNCTION tenant_currency() IS
    'ISO 4217 currency of this schema''s tenant (public.tenants.currency); the report amounts (*_cents) are integers in its minor unit.';

-- Digits of a currency's minor unit, as CLDR (Babel's get_currency_precision, which the
-- pages, emails and PDF use) counts them: JPY 0, EUR 2, KWD 3. For the few texts the
-- database writes itself with an amount in it (an alert's message).
-- tests/formats/test_locales.py holds it to Babel's answer for every currency.
CREATE FUNCTION currency_minor_digits(p_code text) RETURNS integer
LANGUAGE sql IMMUTABLE
SET search_path FROM CURRENT
AS $$
    SELECT CASE
        WHEN p_code IN ('ADP', 'AFN', 'ALL', 'BIF', 'BYR', 'CLP', 'DJF', 'ESP', 'GNF', 'IQD', 'IRR', 'ISK', 'ITL', 'JPY', 'KMF', 'KPW', 'KRW', 'LAK', 'LBP', 'LUF', 'MGA', 'MGF', 'MMK', 'MRO', 'PYG', 'RSD', 'RWF', 'SLL', 'SOS', 'STD', 'SYP', 'TMM', 'TRL', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF', 'YER', 'ZMK', 'ZWD') THEN 0
        WHEN p_code IN ('BHD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 3
        WHEN p_code IN ('CLF', 'UYW') THEN 4
        ELSE 2
    END
$$;

COMMENT ON FUNCTION currency_minor_digits(text) IS
    'Digits of the currency''s minor unit (CLDR): JPY 0, EUR 2, KWD 3; how many of an amount''s last digits are the fraction.';
