-- appointments.source and customers.acquisition_channel are free text, kept trimmed of
-- surrounding whitespace (spaces, tabs, line breaks) and lower-cased, whoever writes
-- them (the API's writers, a DBA's psql, a bulk COPY): ' Instagram ' is 'instagram'.
-- A blank value is kept as '' and reads as 'unknown', like NULL.
CREATE FUNCTION channel_name(p_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN lower(btrim(p_value, E' \t\n\r\f\v'));

CREATE FUNCTION normalise_channels() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $fn$
BEGIN
    IF TG_TABLE_NAME = 'appointments' THEN
        NEW.source := channel_name(NEW.source);
    ELSE
        NEW.acquisition_channel := channel_name(NEW.acquisition_channel);
    END IF;
    RETURN NEW;
END
$fn$;

-- Named to fire before any other BEFORE trigger a DBA may add (alphabetical order).
CREATE TRIGGER a_normalise_source BEFORE INSERT OR UPDATE OF source ON appointments
    FOR EACH ROW WHEN (NEW.source IS NOT NULL)
    EXECUTE FUNCTION normalise_channels();
CREATE TRIGGER a_normalise_acquisition_channel
    BEFORE INSERT OR UPDATE OF acquisition_channel ON customers
    FOR EACH ROW WHEN (NEW.acquisition_channel IS NOT NULL)
    EXECUTE FUNCTION normalise_channels();

COMMENT ON FUNCTION normalise_channels() IS
    'Row trigger on appointments and customers: stores source / acquisition_channel trimmed and lower-cased (channel_name).';
