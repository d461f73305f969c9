-- The tenant tables at the revision below, each created once in its final form:
-- written by `flask db squash` (pg_dump of a schema the revisions made); do not edit.
-- migrate.head_script() runs this, then the revisions after it, for a new tenant;
-- tests/db/test_migrations.py holds the result equal to the revisions one by one.
-- revision: t0021

CREATE TABLE alembic_version (
    version_num character varying(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE alerts (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME alerts_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    rule text NOT NULL,
    subject date NOT NULL,
    value numeric NOT NULL,
    baseline numeric,
    threshold numeric NOT NULL,
    message text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT alerts_rule_check CHECK ((rule = ANY (ARRAY['no_show_spike'::text, 'quiet_days_ahead'::text, 'revenue_drop'::text]))),
    CONSTRAINT alerts_once UNIQUE (rule, subject),
    CONSTRAINT alerts_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE alerts IS 'One row per alert (rule, subject date): recorded once however often flask alerts check runs.';
CREATE TABLE analytics_objects_state (
    object text STORAGE PLAIN NOT NULL,
    checksum text STORAGE PLAIN NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT analytics_objects_state_pkey PRIMARY KEY (object)
);
CREATE TABLE appointment_changes (
    sign integer NOT NULL,
    id bigint NOT NULL,
    service_id bigint,
    resource_id bigint,
    customer_id bigint,
    start_time timestamp with time zone,
    end_time timestamp with time zone,
    status text,
    created_at timestamp with time zone,
    source text,
    changed_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='10000');
CREATE TABLE appointment_rollup_booked_late_folded (
    day date NOT NULL,
    created_day date NOT NULL,
    service_id bigint NOT NULL,
    resource_id bigint NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_booked_late_folded_pkey PRIMARY KEY (day, created_day, service_id, resource_id)
);
CREATE TABLE appointment_rollup_booked_month_folded (
    month date NOT NULL,
    created_day date NOT NULL,
    service_id bigint NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_booked_month_folded_pkey PRIMARY KEY (month, created_day, service_id) INCLUDE (appointments)
);
CREATE TABLE appointment_rollup_booked_month_resource_folded (
    month date NOT NULL,
    created_day date CONSTRAINT appointment_rollup_booked_month_resource_f_created_day_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_booked_month_resource_fo_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_booked_month_resource_f_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_booked_month_resource__appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_booked_month_resource_folded_pkey PRIMARY KEY (month, created_day, service_id, resource_id) INCLUDE (appointments)
);
CREATE TABLE appointment_rollup_booked_week_folded (
    week date NOT NULL,
    created_day date NOT NULL,
    service_id bigint NOT NULL,
    resource_id bigint NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_booked_week_folded_pkey PRIMARY KEY (week, created_day, service_id, resource_id) INCLUDE (appointments)
);
CREATE TABLE appointment_rollup_daily_folded (
    day date CONSTRAINT appointment_rollup_daily_day_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_daily_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_daily_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_daily_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_daily_appointments_not_null NOT NULL,
    duration_seconds numeric STORAGE PLAIN CONSTRAINT appointment_rollup_daily_duration_seconds_not_null NOT NULL,
    lead_appointments bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_appointments_not_null NOT NULL,
    lead_seconds numeric STORAGE PLAIN DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_seconds_not_null NOT NULL,
    lead_same_day bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_same_day_not_null NOT NULL,
    lead_1_to_6_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_1_to_6_days_not_null NOT NULL,
    lead_7_to_29_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_7_to_29_days_not_null NOT NULL,
    lead_30_days_or_more bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_30_days_or_more_not_null NOT NULL,
    CONSTRAINT appointment_rollup_daily_folded_pkey PRIMARY KEY (day, status, service_id, resource_id)
);
CREATE TABLE appointment_rollup_day_hour_detail_folded (
    day date CONSTRAINT appointment_rollup_day_hour_detail_day_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_day_hour_detail_hour_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_day_hour_detail_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_hour_detail_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_hour_detail_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_hour_detail_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_hour_detail_folded_pkey PRIMARY KEY (day, hour, status, service_id, resource_id)
);
CREATE TABLE appointment_rollup_day_hour_folded (
    day date CONSTRAINT appointment_rollup_day_hour_day_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_day_hour_hour_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_day_hour_status_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_hour_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_hour_folded_pkey PRIMARY KEY (day, hour, status)
);
CREATE TABLE appointment_rollup_day_resource_folded (
    day date CONSTRAINT appointment_rollup_day_resource_day_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_day_resource_status_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_resource_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_resource_appointments_not_null NOT NULL,
    duration_seconds numeric STORAGE PLAIN DEFAULT 0 CONSTRAINT appointment_rollup_day_resource_duration_seconds_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_resource_folded_pkey PRIMARY KEY (day, status, resource_id)
);
CREATE TABLE appointment_rollup_day_service_folded (
    day date CONSTRAINT appointment_rollup_day_service_day_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_day_service_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_service_service_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_service_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_service_folded_pkey PRIMARY KEY (day, status, service_id)
);
CREATE TABLE appointment_rollup_day_source_folded (
    day date CONSTRAINT appointment_rollup_day_source_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_source_status_not_null NOT NULL,
    source text CONSTRAINT appointment_rollup_day_source_source_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_source_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_source_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_source_appointments_not_null NOT NULL
);
COMMENT ON TABLE appointment_rollup_day_source_folded IS 'Appointments per local day, status, source (unknown for NULL or blank), service and resource; rows keyed by writing transaction (txid), sum per key.';
CREATE TABLE appointment_rollup_day_status_folded (
    day date CONSTRAINT appointment_rollup_day_status_day_not_null NOT NULL,
    status text STORAGE PLAIN CONSTRAINT appointment_rollup_day_status_status_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_status_appointments_not_null NOT NULL,
    lead_appointments bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_appointments_not_null NOT NULL,
    lead_seconds numeric STORAGE PLAIN DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_seconds_not_null NOT NULL,
    lead_same_day bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_same_day_not_null NOT NULL,
    lead_1_to_6_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_1_to_6_days_not_null NOT NULL,
    lead_7_to_29_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_7_to_29_days_not_null NOT NULL,
    lead_30_days_or_more bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_30_days_or_more_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_status_folded_pkey PRIMARY KEY (day, status)
);
CREATE TABLE appointment_rollup_day_status_source_folded (
    day date CONSTRAINT appointment_rollup_day_status_source_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_status_source_status_not_null NOT NULL,
    source text CONSTRAINT appointment_rollup_day_status_source_source_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_status_source_appointments_not_null NOT NULL
);
COMMENT ON TABLE appointment_rollup_day_status_source_folded IS 'appointment_rollup_day_source summed over services and resources; rows keyed by writing transaction (txid), sum per key.';
CREATE TABLE appointment_rollup_month_hour_folded (
    month date NOT NULL,
    weekday smallint NOT NULL,
    hour smallint NOT NULL,
    confirmed bigint NOT NULL,
    cancelled bigint NOT NULL,
    no_show bigint NOT NULL,
    CONSTRAINT appointment_rollup_month_hour_folded_pkey PRIMARY KEY (month, weekday, hour) INCLUDE (confirmed, cancelled, no_show)
);
CREATE TABLE appointment_rollup_month_status_folded (
    month date NOT NULL,
    status text STORAGE PLAIN NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_month_status_folded_pkey PRIMARY KEY (month, status)
);
CREATE TABLE appointment_rollup_resource_day_hour_folded (
    resource_id bigint CONSTRAINT appointment_rollup_resource_day_hour_folde_resource_id_not_null NOT NULL,
    day date NOT NULL,
    hour smallint NOT NULL,
    confirmed bigint NOT NULL,
    cancelled bigint NOT NULL,
    no_show bigint NOT NULL,
    CONSTRAINT appointment_rollup_resource_day_hour_folded_pkey PRIMARY KEY (resource_id, day, hour) INCLUDE (confirmed, cancelled, no_show)
);
CREATE TABLE appointment_rollup_weekday_hour_folded (
    weekday smallint CONSTRAINT appointment_rollup_weekday_hour_weekday_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_weekday_hour_hour_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_weekday_hour_appointments_not_null NOT NULL,
    duration_seconds numeric STORAGE PLAIN CONSTRAINT appointment_rollup_weekday_hour_duration_seconds_not_null NOT NULL,
    CONSTRAINT appointment_rollup_weekday_hour_folded_pkey PRIMARY KEY (weekday, hour)
);
CREATE TABLE customers (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME customers_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    name text,
    email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    acquisition_channel text,
    CONSTRAINT customers_pkey PRIMARY KEY (id)
);
COMMENT ON COLUMN customers.acquisition_channel IS 'How the customer found the business (instagram, referral, google...): free text, trimmed and lower-cased on write; NULL or blank reads as unknown.';
CREATE TABLE resources (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME resources_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    name text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    CONSTRAINT resources_pkey PRIMARY KEY (id)
);
CREATE TABLE services (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME services_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    name text NOT NULL,
    duration_minutes integer,
    price_cents integer,
    is_active boolean DEFAULT true NOT NULL,
    CONSTRAINT services_duration_minutes_check CHECK ((duration_minutes > 0)),
    CONSTRAINT services_price_cents_check CHECK ((price_cents >= 0)),
    CONSTRAINT services_pkey PRIMARY KEY (id)
);
CREATE TABLE appointments (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME appointments_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    service_id bigint NOT NULL,
    resource_id bigint NOT NULL,
    customer_id bigint,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone NOT NULL,
    status text DEFAULT 'confirmed'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    source text,
    CONSTRAINT appointments_end_after_start CHECK ((end_time > start_time)),
    CONSTRAINT appointments_status_check CHECK ((status = ANY (ARRAY['confirmed'::text, 'cancelled'::text, 'no_show'::text]))),
    CONSTRAINT appointments_pkey PRIMARY KEY (id),
    CONSTRAINT appointments_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id),
    CONSTRAINT appointments_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES resources(id),
    CONSTRAINT appointments_service_id_fkey FOREIGN KEY (service_id) REFERENCES services(id)
);
COMMENT ON COLUMN appointments.source IS 'How the booking was made (online, phone, walk_in...): free text, trimmed and lower-cased on write; NULL or blank reads as unknown.';
CREATE TABLE customer_at_risk_days_folded (
    at_risk_day date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_at_risk_days_folded_pkey PRIMARY KEY (at_risk_day)
);
CREATE TABLE customer_changes (
    id bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='10000');
CREATE TABLE customer_cohort_months_folded (
    cohort_month date NOT NULL,
    month date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_cohort_months_folded_pkey PRIMARY KEY (cohort_month, month)
);
CREATE TABLE customer_lapsed_days_folded (
    lapsed_day date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_lapsed_days_folded_pkey PRIMARY KEY (lapsed_day)
);
CREATE TABLE customer_new_channel_daily_folded (
    day date CONSTRAINT customer_new_channel_daily_day_not_null NOT NULL,
    channel text CONSTRAINT customer_new_channel_daily_channel_not_null NOT NULL,
    customers bigint CONSTRAINT customer_new_channel_daily_customers_not_null NOT NULL
);
COMMENT ON TABLE customer_new_channel_daily_folded IS 'Customers whose first visit is that local day, per acquisition channel (unknown for NULL or blank); rows keyed by writing transaction (txid), sum per key.';
CREATE TABLE customer_visit_daily_folded (
    day date CONSTRAINT customer_visit_daily_day_not_null NOT NULL,
    customers bigint CONSTRAINT customer_visit_daily_customers_not_null NOT NULL,
    new_customers bigint CONSTRAINT customer_visit_daily_new_customers_not_null NOT NULL,
    visits bigint CONSTRAINT customer_visit_daily_visits_not_null NOT NULL,
    CONSTRAINT customer_visit_daily_folded_pkey PRIMARY KEY (day)
);
COMMENT ON TABLE customer_visit_daily_folded IS 'Per local day: customers with a visit, those whose first visit it is, visits; rows keyed by writing transaction (txid), sum per day.';
CREATE TABLE customer_visit_days_folded (
    customer_id bigint CONSTRAINT customer_visit_days_customer_id_not_null NOT NULL,
    day date CONSTRAINT customer_visit_days_day_not_null NOT NULL,
    visits integer CONSTRAINT customer_visit_days_visits_not_null NOT NULL,
    CONSTRAINT customer_visit_days_pkey PRIMARY KEY (customer_id, day)
);
COMMENT ON TABLE customer_visit_days_folded IS 'Confirmed visits per customer and local day (tenant time zone); kept by triggers on appointments.';
CREATE TABLE customer_visit_links_folded (
    from_day date CONSTRAINT customer_visit_links_from_day_not_null NOT NULL,
    to_day date CONSTRAINT customer_visit_links_to_day_not_null NOT NULL,
    customers bigint CONSTRAINT customer_visit_links_customers_not_null NOT NULL,
    visits bigint CONSTRAINT customer_visit_links_visits_not_null NOT NULL,
    lifetime_cents bigint DEFAULT 0 CONSTRAINT customer_visit_links_lifetime_cents_not_null NOT NULL,
    CONSTRAINT customer_visit_links_folded_pkey PRIMARY KEY (to_day, from_day)
);
COMMENT ON TABLE customer_visit_links_folded IS 'Customers per pair of consecutive visit days (from_day -infinity = first visit, to_day infinity = last visit) and visits on to_day; rows keyed by writing transaction (txid), sum per key.';
CREATE TABLE customer_visit_summary_folded (
    customer_id bigint CONSTRAINT customer_visit_summary_customer_id_not_null NOT NULL,
    first_visit_day date,
    last_visit_day date,
    visit_days integer DEFAULT 0 CONSTRAINT customer_visit_summary_visit_days_not_null NOT NULL,
    visits integer DEFAULT 0 CONSTRAINT customer_visit_summary_visits_not_null NOT NULL,
    lifetime_cents bigint DEFAULT 0 CONSTRAINT customer_visit_summary_lifetime_cents_not_null NOT NULL,
    channel text,
    usual_gap_days numeric,
    at_risk_day date,
    lapsed_day date,
    day_before_last date,
    gap_before_last numeric,
    visits_before_last integer,
    at_risk_day_before_last date,
    lapsed_day_before_last date,
    CONSTRAINT customer_visit_summary_pkey PRIMARY KEY (customer_id)
);
COMMENT ON TABLE customer_visit_summary_folded IS 'Per customer: first and last local visit day, visit days and visits (confirmed appointments); kept by triggers on appointments.';
CREATE TABLE webhook_endpoints (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME webhook_endpoints_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    url text NOT NULL,
    events text[] NOT NULL,
    secret_sealed text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    disabled_at timestamp with time zone,
    CONSTRAINT webhook_endpoints_events_check CHECK ((events <@ ARRAY['alert.triggered'::text, 'ping'::text])),
    CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id)
);
COMMENT ON COLUMN webhook_endpoints.secret_sealed IS 'The signing secret sealed with the app''s SECRET_KEY: a reader of this table cannot sign.';
CREATE TABLE notification_emails (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME notification_emails_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    kind text NOT NULL,
    alert_id bigint,
    endpoint_id bigint,
    user_id integer NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    message_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    CONSTRAINT notification_emails_check CHECK (((kind = 'alert'::text) = (alert_id IS NOT NULL))),
    CONSTRAINT notification_emails_check1 CHECK (((kind = 'endpoint_disabled'::text) = (endpoint_id IS NOT NULL))),
    CONSTRAINT notification_emails_kind_check CHECK ((kind = ANY (ARRAY['alert'::text, 'endpoint_disabled'::text]))),
    CONSTRAINT notification_emails_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'sent'::text, 'skipped'::text, 'expired'::text]))),
    CONSTRAINT notification_emails_once UNIQUE NULLS NOT DISTINCT (kind, alert_id, endpoint_id, user_id),
    CONSTRAINT notification_emails_pkey PRIMARY KEY (id),
    CONSTRAINT notification_emails_alert_id_fkey FOREIGN KEY (alert_id) REFERENCES alerts(id) ON DELETE CASCADE,
    CONSTRAINT notification_emails_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints(id) ON DELETE CASCADE
);
COMMENT ON TABLE notification_emails IS 'Emails owed for an alert (to users with alert emails on) or a disabled webhook endpoint (to the owner); sent once each.';
CREATE TABLE payment_changes (
    sign integer NOT NULL,
    id bigint NOT NULL,
    appointment_id bigint,
    amount_cents bigint,
    status text STORAGE PLAIN,
    paid_at timestamp with time zone,
    changed_at timestamp with time zone DEFAULT now() NOT NULL
)
WITH (autovacuum_vacuum_scale_factor='0', autovacuum_vacuum_threshold='1000', autovacuum_vacuum_insert_scale_factor='0', autovacuum_vacuum_insert_threshold='10000');
CREATE TABLE payment_rollup_daily_folded (
    day date CONSTRAINT payment_rollup_daily_day_not_null NOT NULL,
    service_id bigint CONSTRAINT payment_rollup_daily_service_id_not_null NOT NULL,
    revenue_cents bigint CONSTRAINT payment_rollup_daily_revenue_cents_not_null NOT NULL,
    transactions bigint CONSTRAINT payment_rollup_daily_transactions_not_null NOT NULL,
    resource_id bigint DEFAULT 0 CONSTRAINT payment_rollup_daily_resource_id_not_null NOT NULL,
    refunded_cents bigint DEFAULT 0 CONSTRAINT payment_rollup_daily_refunded_cents_not_null NOT NULL,
    refunds bigint DEFAULT 0 CONSTRAINT payment_rollup_daily_refunds_not_null NOT NULL,
    visit_revenue_cents bigint DEFAULT 0 CONSTRAINT payment_rollup_daily_visit_revenue_cents_not_null NOT NULL,
    CONSTRAINT payment_rollup_daily_folded_pkey PRIMARY KEY (day, service_id, resource_id)
);
CREATE TABLE payment_rollup_day_folded (
    day date CONSTRAINT payment_rollup_day_day_not_null NOT NULL,
    revenue_cents bigint CONSTRAINT payment_rollup_day_revenue_cents_not_null NOT NULL,
    transactions bigint CONSTRAINT payment_rollup_day_transactions_not_null NOT NULL,
    refunded_cents bigint CONSTRAINT payment_rollup_day_refunded_cents_not_null NOT NULL,
    refunds bigint CONSTRAINT payment_rollup_day_refunds_not_null NOT NULL,
    visit_revenue_cents bigint CONSTRAINT payment_rollup_day_visit_revenue_cents_not_null NOT NULL,
    CONSTRAINT payment_rollup_day_folded_pkey PRIMARY KEY (day)
);
COMMENT ON TABLE payment_rollup_day_folded IS 'payment_rollup_daily summed per local day alone (no service or resource): what an unfiltered year of revenue reads; rows keyed by writing transaction (txid), sum per day.';
CREATE TABLE payment_rollup_month_folded (
    month date NOT NULL,
    revenue_cents bigint NOT NULL,
    transactions bigint NOT NULL,
    CONSTRAINT payment_rollup_month_folded_pkey PRIMARY KEY (month)
);
CREATE TABLE payments (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME payments_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    appointment_id bigint NOT NULL,
    amount_cents bigint NOT NULL,
    status text NOT NULL,
    paid_at timestamp with time zone,
    CONSTRAINT payments_amount_cents_check CHECK ((amount_cents >= 0)),
    CONSTRAINT payments_status_check CHECK ((status = ANY (ARRAY['succeeded'::text, 'pending'::text, 'failed'::text, 'refunded'::text]))),
    CONSTRAINT payments_pkey PRIMARY KEY (id),
    CONSTRAINT payments_appointment_id_fkey FOREIGN KEY (appointment_id) REFERENCES appointments(id)
);
CREATE TABLE resource_hours (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME resource_hours_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    resource_id bigint NOT NULL,
    weekday smallint NOT NULL,
    opens_at time without time zone NOT NULL,
    closes_at time without time zone NOT NULL,
    CONSTRAINT resource_hours_closes_after_opens CHECK ((closes_at > opens_at)),
    CONSTRAINT resource_hours_weekday_check CHECK (((weekday >= 0) AND (weekday <= 6))),
    CONSTRAINT resource_hours_pkey PRIMARY KEY (id),
    CONSTRAINT resource_hours_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES resources(id) ON DELETE CASCADE
);
COMMENT ON TABLE resource_hours IS 'Weekly working hours of a resource: local wall-clock times on weekday (0 = Sunday); several rows per day allowed (split shifts; overlaps count once).';
CREATE TABLE resource_time_off (
    id bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME resource_time_off_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    resource_id bigint NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    reason text,
    CONSTRAINT resource_time_off_ends_after_starts CHECK ((ends_at > starts_at)),
    CONSTRAINT resource_time_off_pkey PRIMARY KEY (id),
    CONSTRAINT resource_time_off_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES resources(id) ON DELETE CASCADE
);
COMMENT ON TABLE resource_time_off IS 'Time a resource is not available (holiday, training...), subtracted from its working hours.';
CREATE TABLE webhook_deliveries (
    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME webhook_deliveries_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
    endpoint_id bigint NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    payload jsonb NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_status integer,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT webhook_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text]))),
    CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints(id) ON DELETE CASCADE
);
CREATE INDEX alerts_created_at_idx ON alerts USING btree (created_at);
CREATE INDEX appointment_rollup_daily_rid_idx ON appointment_rollup_daily_folded USING btree (resource_id, day);
CREATE INDEX appointment_rollup_daily_sid_rid_idx ON appointment_rollup_daily_folded USING btree (service_id, resource_id, day);
CREATE INDEX appointment_rollup_day_hour_detail_rid_idx ON appointment_rollup_day_hour_detail_folded USING btree (resource_id, day);
CREATE INDEX appointment_rollup_day_hour_detail_sid_idx ON appointment_rollup_day_hour_detail_folded USING btree (service_id, day);
CREATE INDEX appointment_rollup_day_resource_rid_idx ON appointment_rollup_day_resource_folded USING btree (resource_id, day);
CREATE INDEX appointment_rollup_day_service_sid_idx ON appointment_rollup_day_service_folded USING btree (service_id, day);
CREATE UNIQUE INDEX appointment_rollup_day_source_folded_key ON appointment_rollup_day_source_folded USING btree (day, status, md5(source), service_id, resource_id);
CREATE INDEX appointment_rollup_day_source_rid_idx ON appointment_rollup_day_source_folded USING btree (resource_id, day);
CREATE INDEX appointment_rollup_day_source_sid_idx ON appointment_rollup_day_source_folded USING btree (service_id, day);
CREATE UNIQUE INDEX appointment_rollup_day_status_source_folded_key ON appointment_rollup_day_status_source_folded USING btree (day, status, md5(source));
CREATE INDEX appointments_confirmed_start_idx ON appointments USING btree (start_time, resource_id, service_id) INCLUDE (created_at) WHERE (status = 'confirmed'::text);
CREATE INDEX appointments_created_at_idx ON appointments USING btree (created_at);
CREATE INDEX appointments_customer_id_idx ON appointments USING btree (customer_id);
CREATE INDEX appointments_resource_id_idx ON appointments USING btree (resource_id);
CREATE INDEX appointments_service_id_idx ON appointments USING btree (service_id);
CREATE INDEX appointments_start_time_idx ON appointments USING btree (start_time);
CREATE INDEX appointments_status_idx ON appointments USING btree (status);
CREATE UNIQUE INDEX customer_new_channel_daily_folded_key ON customer_new_channel_daily_folded USING btree (day, md5(channel));
CREATE INDEX customer_visit_links_from_day_idx ON customer_visit_links_folded USING btree (from_day, to_day) INCLUDE (customers);
CREATE INDEX customer_visit_links_to_day_idx ON customer_visit_links_folded USING btree (to_day, from_day) INCLUDE (customers, lifetime_cents);
CREATE INDEX customer_visit_summary_last_day_idx ON customer_visit_summary_folded USING btree (last_visit_day, at_risk_day_before_last);
CREATE INDEX customer_visit_summary_value_idx ON customer_visit_summary_folded USING btree (lifetime_cents DESC, customer_id);
CREATE INDEX notification_emails_pending ON notification_emails USING btree (created_at) WHERE (status = 'pending'::text);
CREATE INDEX payments_appointment_id_idx ON payments USING btree (appointment_id);
CREATE INDEX payments_paid_at_idx ON payments USING btree (paid_at);
CREATE INDEX resource_hours_resource_weekday_idx ON resource_hours USING btree (resource_id, weekday);
CREATE INDEX resource_time_off_resource_idx ON resource_time_off USING btree (resource_id, starts_at);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending'::text);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries USING btree (endpoint_id, id);

INSERT INTO alembic_version (version_num) VALUES ('t0021');
