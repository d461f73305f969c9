"""Each source's rollups in one folded table: `appointment_rollup_folded`,
`payment_rollup_folded` and `customer_link_rollup_folded`, a `grain` column saying which
rollup a row is of (issue 27).

A tenant had a folded table per rollup: 25 tables with their keys and secondary indexes,
about a third of what a creation makes (docs/scale-out.md). Here each source's rollups
share one table: the columns of all its rollups (NULL where a grain has no part), each
rollup's key a unique index partial on its grain (`<rollup>_key`, in the key's column
order, with its INCLUDE columns), its secondary indexes partial likewise under their
names. The rollups' rows are copied over, the old tables dropped; each rollup's view
keeps its name and columns (analytics_app/sql/rollup_views.sql reads the grain's rows),
so the reports and the DBA's views read as before. The views over the old tables go
with them and the catalogue makes them again after this revision (OVER_THE_ROLLUPS);
the fold's and the rebuild's new SQL rebuild the rollups then.

Revision ID: t0022
Revises: t0021
"""

from alembic import op

revision = "t0022"
down_revision = "t0021"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE appointment_rollup_folded (
    grain smallint NOT NULL,
    day date,
    status text,
    service_id bigint,
    resource_id bigint,
    appointments bigint,
    duration_seconds numeric,
    lead_appointments bigint,
    lead_seconds numeric,
    lead_same_day bigint,
    lead_1_to_6_days bigint,
    lead_7_to_29_days bigint,
    lead_30_days_or_more bigint,
    weekday smallint,
    hour smallint,
    month date,
    confirmed bigint,
    cancelled bigint,
    no_show bigint,
    source text,
    week date,
    created_day date
);
ALTER TABLE appointment_rollup_folded ALTER COLUMN status SET STORAGE PLAIN, ALTER COLUMN duration_seconds SET STORAGE PLAIN, ALTER COLUMN lead_seconds SET STORAGE PLAIN;
CREATE TABLE payment_rollup_folded (
    grain smallint NOT NULL,
    day date,
    service_id bigint,
    resource_id bigint,
    revenue_cents bigint,
    transactions bigint,
    refunded_cents bigint,
    refunds bigint,
    visit_revenue_cents bigint,
    month date
);
CREATE TABLE customer_link_rollup_folded (
    grain smallint NOT NULL,
    from_day date,
    to_day date,
    customers bigint,
    visits bigint,
    lifetime_cents bigint,
    day date,
    new_customers bigint,
    channel text,
    cohort_month date,
    month date,
    at_risk_day date,
    lapsed_day date
);
"""

COPIES = """
INSERT INTO appointment_rollup_folded (grain, day, status, service_id, resource_id, appointments, duration_seconds, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT 0, day, status, service_id, resource_id, appointments, duration_seconds, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more FROM appointment_rollup_daily_folded;
INSERT INTO appointment_rollup_folded (grain, weekday, hour, appointments, duration_seconds)
    SELECT 1, weekday, hour, appointments, duration_seconds FROM appointment_rollup_weekday_hour_folded;
INSERT INTO appointment_rollup_folded (grain, day, status, appointments, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT 2, day, status, appointments, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more FROM appointment_rollup_day_status_folded;
INSERT INTO appointment_rollup_folded (grain, day, status, service_id, appointments)
    SELECT 3, day, status, service_id, appointments FROM appointment_rollup_day_service_folded;
INSERT INTO appointment_rollup_folded (grain, day, status, resource_id, appointments, duration_seconds)
    SELECT 4, day, status, resource_id, appointments, duration_seconds FROM appointment_rollup_day_resource_folded;
INSERT INTO appointment_rollup_folded (grain, day, hour, status, appointments)
    SELECT 5, day, hour, status, appointments FROM appointment_rollup_day_hour_folded;
INSERT INTO appointment_rollup_folded (grain, day, hour, status, service_id, resource_id, appointments)
    SELECT 6, day, hour, status, service_id, resource_id, appointments FROM appointment_rollup_day_hour_detail_folded;
INSERT INTO appointment_rollup_folded (grain, month, weekday, hour, confirmed, cancelled, no_show)
    SELECT 7, month, weekday, hour, confirmed, cancelled, no_show FROM appointment_rollup_month_hour_folded;
INSERT INTO appointment_rollup_folded (grain, resource_id, day, hour, confirmed, cancelled, no_show)
    SELECT 8, resource_id, day, hour, confirmed, cancelled, no_show FROM appointment_rollup_resource_day_hour_folded;
INSERT INTO appointment_rollup_folded (grain, day, status, source, service_id, resource_id, appointments)
    SELECT 9, day, status, source, service_id, resource_id, appointments FROM appointment_rollup_day_source_folded;
INSERT INTO appointment_rollup_folded (grain, day, status, source, appointments)
    SELECT 10, day, status, source, appointments FROM appointment_rollup_day_status_source_folded;
INSERT INTO appointment_rollup_folded (grain, week, created_day, service_id, resource_id, appointments)
    SELECT 11, week, created_day, service_id, resource_id, appointments FROM appointment_rollup_booked_week_folded;
INSERT INTO appointment_rollup_folded (grain, month, created_day, service_id, appointments)
    SELECT 12, month, created_day, service_id, appointments FROM appointment_rollup_booked_month_folded;
INSERT INTO appointment_rollup_folded (grain, month, created_day, service_id, resource_id, appointments)
    SELECT 13, month, created_day, service_id, resource_id, appointments FROM appointment_rollup_booked_month_resource_folded;
INSERT INTO appointment_rollup_folded (grain, day, created_day, service_id, resource_id, appointments)
    SELECT 14, day, created_day, service_id, resource_id, appointments FROM appointment_rollup_booked_late_folded;
INSERT INTO appointment_rollup_folded (grain, month, status, appointments)
    SELECT 15, month, status, appointments FROM appointment_rollup_month_status_folded;
INSERT INTO payment_rollup_folded (grain, day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT 0, day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents FROM payment_rollup_daily_folded;
INSERT INTO payment_rollup_folded (grain, day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT 1, day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents FROM payment_rollup_day_folded;
INSERT INTO payment_rollup_folded (grain, month, revenue_cents, transactions)
    SELECT 2, month, revenue_cents, transactions FROM payment_rollup_month_folded;
INSERT INTO customer_link_rollup_folded (grain, from_day, to_day, customers, visits, lifetime_cents)
    SELECT 0, from_day, to_day, customers, visits, lifetime_cents FROM customer_visit_links_folded;
INSERT INTO customer_link_rollup_folded (grain, day, customers, new_customers, visits)
    SELECT 1, day, customers, new_customers, visits FROM customer_visit_daily_folded;
INSERT INTO customer_link_rollup_folded (grain, day, channel, customers)
    SELECT 2, day, channel, customers FROM customer_new_channel_daily_folded;
INSERT INTO customer_link_rollup_folded (grain, cohort_month, month, customers)
    SELECT 3, cohort_month, month, customers FROM customer_cohort_months_folded;
INSERT INTO customer_link_rollup_folded (grain, at_risk_day, customers)
    SELECT 4, at_risk_day, customers FROM customer_at_risk_days_folded;
INSERT INTO customer_link_rollup_folded (grain, lapsed_day, customers)
    SELECT 5, lapsed_day, customers FROM customer_lapsed_days_folded;
"""

OLD = (
    "appointment_rollup_daily_folded",
    "appointment_rollup_weekday_hour_folded",
    "appointment_rollup_day_status_folded",
    "appointment_rollup_day_service_folded",
    "appointment_rollup_day_resource_folded",
    "appointment_rollup_day_hour_folded",
    "appointment_rollup_day_hour_detail_folded",
    "appointment_rollup_month_hour_folded",
    "appointment_rollup_resource_day_hour_folded",
    "appointment_rollup_day_source_folded",
    "appointment_rollup_day_status_source_folded",
    "appointment_rollup_booked_week_folded",
    "appointment_rollup_booked_month_folded",
    "appointment_rollup_booked_month_resource_folded",
    "appointment_rollup_booked_late_folded",
    "payment_rollup_daily_folded",
    "payment_rollup_day_folded",
    "appointment_rollup_month_status_folded",
    "payment_rollup_month_folded",
    "customer_visit_links_folded",
    "customer_visit_daily_folded",
    "customer_new_channel_daily_folded",
    "customer_cohort_months_folded",
    "customer_at_risk_days_folded",
    "customer_lapsed_days_folded",
)

INDEXES = """
CREATE UNIQUE INDEX appointment_rollup_daily_key ON appointment_rollup_folded (day, status, service_id, resource_id) WHERE grain = 0;
CREATE INDEX appointment_rollup_daily_rid_idx ON appointment_rollup_folded (resource_id, day) WHERE grain = 0;
CREATE INDEX appointment_rollup_daily_sid_rid_idx ON appointment_rollup_folded (service_id, resource_id, day) WHERE grain = 0;
CREATE UNIQUE INDEX appointment_rollup_weekday_hour_key ON appointment_rollup_folded (weekday, hour) WHERE grain = 1;
CREATE UNIQUE INDEX appointment_rollup_day_status_key ON appointment_rollup_folded (day, status) WHERE grain = 2;
CREATE UNIQUE INDEX appointment_rollup_day_service_key ON appointment_rollup_folded (day, status, service_id) WHERE grain = 3;
CREATE INDEX appointment_rollup_day_service_sid_idx ON appointment_rollup_folded (service_id, day) WHERE grain = 3;
CREATE UNIQUE INDEX appointment_rollup_day_resource_key ON appointment_rollup_folded (day, status, resource_id) WHERE grain = 4;
CREATE INDEX appointment_rollup_day_resource_rid_idx ON appointment_rollup_folded (resource_id, day) WHERE grain = 4;
CREATE UNIQUE INDEX appointment_rollup_day_hour_key ON appointment_rollup_folded (day, hour, status) WHERE grain = 5;
CREATE UNIQUE INDEX appointment_rollup_day_hour_detail_key ON appointment_rollup_folded (day, hour, status, service_id, resource_id) WHERE grain = 6;
CREATE INDEX appointment_rollup_day_hour_detail_rid_idx ON appointment_rollup_folded (resource_id, day) WHERE grain = 6;
CREATE INDEX appointment_rollup_day_hour_detail_sid_idx ON appointment_rollup_folded (service_id, day) WHERE grain = 6;
CREATE UNIQUE INDEX appointment_rollup_month_hour_key ON appointment_rollup_folded (month, weekday, hour) INCLUDE (confirmed, cancelled, no_show) WHERE grain = 7;
CREATE UNIQUE INDEX appointment_rollup_resource_day_hour_key ON appointment_rollup_folded (resource_id, day, hour) INCLUDE (confirmed, cancelled, no_show) WHERE grain = 8;
CREATE UNIQUE INDEX appointment_rollup_day_source_key ON appointment_rollup_folded (day, status, md5(source), service_id, resource_id) WHERE grain = 9;
CREATE INDEX appointment_rollup_day_source_rid_idx ON appointment_rollup_folded (resource_id, day) WHERE grain = 9;
CREATE INDEX appointment_rollup_day_source_sid_idx ON appointment_rollup_folded (service_id, day) WHERE grain = 9;
CREATE UNIQUE INDEX appointment_rollup_day_status_source_key ON appointment_rollup_folded (day, status, md5(source)) WHERE grain = 10;
CREATE UNIQUE INDEX appointment_rollup_booked_week_key ON appointment_rollup_folded (week, created_day, service_id, resource_id) INCLUDE (appointments) WHERE grain = 11;
CREATE UNIQUE INDEX appointment_rollup_booked_month_key ON appointment_rollup_folded (month, created_day, service_id) INCLUDE (appointments) WHERE grain = 12;
CREATE UNIQUE INDEX appointment_rollup_booked_month_resource_key ON appointment_rollup_folded (month, created_day, service_id, resource_id) INCLUDE (appointments) WHERE grain = 13;
CREATE UNIQUE INDEX appointment_rollup_booked_late_key ON appointment_rollup_folded (day, created_day, service_id, resource_id) WHERE grain = 14;
CREATE UNIQUE INDEX appointment_rollup_month_status_key ON appointment_rollup_folded (month, status) WHERE grain = 15;
CREATE UNIQUE INDEX payment_rollup_daily_key ON payment_rollup_folded (day, service_id, resource_id) WHERE grain = 0;
CREATE UNIQUE INDEX payment_rollup_day_key ON payment_rollup_folded (day) WHERE grain = 1;
CREATE UNIQUE INDEX payment_rollup_month_key ON payment_rollup_folded (month) WHERE grain = 2;
CREATE UNIQUE INDEX customer_visit_links_key ON customer_link_rollup_folded (to_day, from_day) WHERE grain = 0;
CREATE INDEX customer_visit_links_from_day_idx ON customer_link_rollup_folded (from_day, to_day) INCLUDE (customers) WHERE grain = 0;
CREATE INDEX customer_visit_links_to_day_idx ON customer_link_rollup_folded (to_day, from_day) INCLUDE (customers, lifetime_cents) WHERE grain = 0;
CREATE UNIQUE INDEX customer_visit_daily_key ON customer_link_rollup_folded (day) WHERE grain = 1;
CREATE UNIQUE INDEX customer_new_channel_daily_key ON customer_link_rollup_folded (day, md5(channel)) WHERE grain = 2;
CREATE UNIQUE INDEX customer_cohort_months_key ON customer_link_rollup_folded (cohort_month, month) WHERE grain = 3;
CREATE UNIQUE INDEX customer_at_risk_days_key ON customer_link_rollup_folded (at_risk_day) WHERE grain = 4;
CREATE UNIQUE INDEX customer_lapsed_days_key ON customer_link_rollup_folded (lapsed_day) WHERE grain = 5;
"""

COMMENTS = """
COMMENT ON TABLE appointment_rollup_folded IS 'The folded rows of every appointment rollup, one row per grain and key (a column a grain has no part in is NULL); each rollup is read through the view of its name, which adds the changes not folded yet.';
COMMENT ON COLUMN appointment_rollup_folded.grain IS 'which rollup the row is of: 0 appointment_rollup_daily; 1 appointment_rollup_weekday_hour; 2 appointment_rollup_day_status; 3 appointment_rollup_day_service; 4 appointment_rollup_day_resource; 5 appointment_rollup_day_hour; 6 appointment_rollup_day_hour_detail; 7 appointment_rollup_month_hour; 8 appointment_rollup_resource_day_hour; 9 appointment_rollup_day_source; 10 appointment_rollup_day_status_source; 11 appointment_rollup_booked_week; 12 appointment_rollup_booked_month; 13 appointment_rollup_booked_month_resource; 14 appointment_rollup_booked_late; 15 appointment_rollup_month_status';
COMMENT ON TABLE payment_rollup_folded IS 'The folded rows of every payment rollup, one row per grain and key (a column a grain has no part in is NULL); each rollup is read through the view of its name, which adds the changes not folded yet.';
COMMENT ON COLUMN payment_rollup_folded.grain IS 'which rollup the row is of: 0 payment_rollup_daily; 1 payment_rollup_day; 2 payment_rollup_month';
COMMENT ON TABLE customer_link_rollup_folded IS 'The folded rows of every customer link rollup, one row per grain and key (a column a grain has no part in is NULL); each rollup is read through the view of its name, which adds the changes not folded yet.';
COMMENT ON COLUMN customer_link_rollup_folded.grain IS 'which rollup the row is of: 0 customer_visit_links; 1 customer_visit_daily; 2 customer_new_channel_daily; 3 customer_cohort_months; 4 customer_at_risk_days; 5 customer_lapsed_days';
"""

OLD_TABLES = """
CREATE TABLE appointment_rollup_daily_folded (
    day date CONSTRAINT appointment_rollup_daily_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_daily_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_daily_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_daily_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_daily_appointments_not_null NOT NULL,
    duration_seconds numeric CONSTRAINT appointment_rollup_daily_duration_seconds_not_null NOT NULL,
    lead_appointments bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_appointments_not_null NOT NULL,
    lead_seconds numeric DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_seconds_not_null NOT NULL,
    lead_same_day bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_same_day_not_null NOT NULL,
    lead_1_to_6_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_1_to_6_days_not_null NOT NULL,
    lead_7_to_29_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_7_to_29_days_not_null NOT NULL,
    lead_30_days_or_more bigint DEFAULT 0 CONSTRAINT appointment_rollup_daily_lead_30_days_or_more_not_null NOT NULL,
    CONSTRAINT appointment_rollup_daily_folded_pkey PRIMARY KEY (day, status, service_id, resource_id)
);
ALTER TABLE appointment_rollup_daily_folded ALTER COLUMN status SET STORAGE PLAIN, ALTER COLUMN duration_seconds SET STORAGE PLAIN, ALTER COLUMN lead_seconds SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_weekday_hour_folded (
    weekday smallint CONSTRAINT appointment_rollup_weekday_hour_weekday_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_weekday_hour_hour_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_weekday_hour_appointments_not_null NOT NULL,
    duration_seconds numeric CONSTRAINT appointment_rollup_weekday_hour_duration_seconds_not_null NOT NULL,
    CONSTRAINT appointment_rollup_weekday_hour_folded_pkey PRIMARY KEY (weekday, hour)
);
ALTER TABLE appointment_rollup_weekday_hour_folded ALTER COLUMN duration_seconds SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_day_status_folded (
    day date CONSTRAINT appointment_rollup_day_status_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_status_status_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_status_appointments_not_null NOT NULL,
    lead_appointments bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_appointments_not_null NOT NULL,
    lead_seconds numeric DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_seconds_not_null NOT NULL,
    lead_same_day bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_same_day_not_null NOT NULL,
    lead_1_to_6_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_1_to_6_days_not_null NOT NULL,
    lead_7_to_29_days bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_7_to_29_days_not_null NOT NULL,
    lead_30_days_or_more bigint DEFAULT 0 CONSTRAINT appointment_rollup_day_status_lead_30_days_or_more_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_status_folded_pkey PRIMARY KEY (day, status)
);
ALTER TABLE appointment_rollup_day_status_folded ALTER COLUMN status SET STORAGE PLAIN, ALTER COLUMN lead_seconds SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_day_service_folded (
    day date CONSTRAINT appointment_rollup_day_service_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_service_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_service_service_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_service_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_service_folded_pkey PRIMARY KEY (day, status, service_id)
);
ALTER TABLE appointment_rollup_day_service_folded ALTER COLUMN status SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_day_resource_folded (
    day date CONSTRAINT appointment_rollup_day_resource_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_resource_status_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_resource_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_resource_appointments_not_null NOT NULL,
    duration_seconds numeric DEFAULT 0 CONSTRAINT appointment_rollup_day_resource_duration_seconds_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_resource_folded_pkey PRIMARY KEY (day, status, resource_id)
);
ALTER TABLE appointment_rollup_day_resource_folded ALTER COLUMN status SET STORAGE PLAIN, ALTER COLUMN duration_seconds SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_day_hour_folded (
    day date CONSTRAINT appointment_rollup_day_hour_day_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_day_hour_hour_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_hour_status_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_hour_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_hour_folded_pkey PRIMARY KEY (day, hour, status)
);
ALTER TABLE appointment_rollup_day_hour_folded ALTER COLUMN status SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_day_hour_detail_folded (
    day date CONSTRAINT appointment_rollup_day_hour_detail_day_not_null NOT NULL,
    hour smallint CONSTRAINT appointment_rollup_day_hour_detail_hour_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_hour_detail_status_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_hour_detail_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_hour_detail_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_hour_detail_appointments_not_null NOT NULL,
    CONSTRAINT appointment_rollup_day_hour_detail_folded_pkey PRIMARY KEY (day, hour, status, service_id, resource_id)
);
ALTER TABLE appointment_rollup_day_hour_detail_folded ALTER COLUMN status SET STORAGE PLAIN;
CREATE TABLE appointment_rollup_month_hour_folded (
    month date NOT NULL,
    weekday smallint NOT NULL,
    hour smallint NOT NULL,
    confirmed bigint NOT NULL,
    cancelled bigint NOT NULL,
    no_show bigint NOT NULL,
    CONSTRAINT appointment_rollup_month_hour_folded_pkey PRIMARY KEY (month, weekday, hour) INCLUDE (confirmed, cancelled, no_show)
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
CREATE TABLE appointment_rollup_day_source_folded (
    day date CONSTRAINT appointment_rollup_day_source_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_source_status_not_null NOT NULL,
    source text CONSTRAINT appointment_rollup_day_source_source_not_null NOT NULL,
    service_id bigint CONSTRAINT appointment_rollup_day_source_service_id_not_null NOT NULL,
    resource_id bigint CONSTRAINT appointment_rollup_day_source_resource_id_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_source_appointments_not_null NOT NULL
);
CREATE TABLE appointment_rollup_day_status_source_folded (
    day date CONSTRAINT appointment_rollup_day_status_source_day_not_null NOT NULL,
    status text CONSTRAINT appointment_rollup_day_status_source_status_not_null NOT NULL,
    source text CONSTRAINT appointment_rollup_day_status_source_source_not_null NOT NULL,
    appointments bigint CONSTRAINT appointment_rollup_day_status_source_appointments_not_null NOT NULL
);
CREATE TABLE appointment_rollup_booked_week_folded (
    week date NOT NULL,
    created_day date NOT NULL,
    service_id bigint NOT NULL,
    resource_id bigint NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_booked_week_folded_pkey PRIMARY KEY (week, created_day, service_id, resource_id) INCLUDE (appointments)
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
CREATE TABLE appointment_rollup_booked_late_folded (
    day date NOT NULL,
    created_day date NOT NULL,
    service_id bigint NOT NULL,
    resource_id bigint NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_booked_late_folded_pkey PRIMARY KEY (day, created_day, service_id, resource_id)
);
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
CREATE TABLE appointment_rollup_month_status_folded (
    month date NOT NULL,
    status text NOT NULL,
    appointments bigint NOT NULL,
    CONSTRAINT appointment_rollup_month_status_folded_pkey PRIMARY KEY (month, status)
);
ALTER TABLE appointment_rollup_month_status_folded ALTER COLUMN status SET STORAGE PLAIN;
CREATE TABLE payment_rollup_month_folded (
    month date NOT NULL,
    revenue_cents bigint NOT NULL,
    transactions bigint NOT NULL,
    CONSTRAINT payment_rollup_month_folded_pkey PRIMARY KEY (month)
);
CREATE TABLE customer_visit_links_folded (
    from_day date CONSTRAINT customer_visit_links_from_day_not_null NOT NULL,
    to_day date CONSTRAINT customer_visit_links_to_day_not_null NOT NULL,
    customers bigint CONSTRAINT customer_visit_links_customers_not_null NOT NULL,
    visits bigint CONSTRAINT customer_visit_links_visits_not_null NOT NULL,
    lifetime_cents bigint DEFAULT 0 CONSTRAINT customer_visit_links_lifetime_cents_not_null NOT NULL,
    CONSTRAINT customer_visit_links_folded_pkey PRIMARY KEY (to_day, from_day)
);
CREATE TABLE customer_visit_daily_folded (
    day date CONSTRAINT customer_visit_daily_day_not_null NOT NULL,
    customers bigint CONSTRAINT customer_visit_daily_customers_not_null NOT NULL,
    new_customers bigint CONSTRAINT customer_visit_daily_new_customers_not_null NOT NULL,
    visits bigint CONSTRAINT customer_visit_daily_visits_not_null NOT NULL,
    CONSTRAINT customer_visit_daily_folded_pkey PRIMARY KEY (day)
);
CREATE TABLE customer_new_channel_daily_folded (
    day date CONSTRAINT customer_new_channel_daily_day_not_null NOT NULL,
    channel text CONSTRAINT customer_new_channel_daily_channel_not_null NOT NULL,
    customers bigint CONSTRAINT customer_new_channel_daily_customers_not_null NOT NULL
);
CREATE TABLE customer_cohort_months_folded (
    cohort_month date NOT NULL,
    month date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_cohort_months_folded_pkey PRIMARY KEY (cohort_month, month)
);
CREATE TABLE customer_at_risk_days_folded (
    at_risk_day date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_at_risk_days_folded_pkey PRIMARY KEY (at_risk_day)
);
CREATE TABLE customer_lapsed_days_folded (
    lapsed_day date NOT NULL,
    customers bigint NOT NULL,
    CONSTRAINT customer_lapsed_days_folded_pkey PRIMARY KEY (lapsed_day)
);
"""

OLD_INDEXES = """
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
CREATE UNIQUE INDEX customer_new_channel_daily_folded_key ON customer_new_channel_daily_folded USING btree (day, md5(channel));
CREATE INDEX customer_visit_links_from_day_idx ON customer_visit_links_folded USING btree (from_day, to_day) INCLUDE (customers);
CREATE INDEX customer_visit_links_to_day_idx ON customer_visit_links_folded USING btree (to_day, from_day) INCLUDE (customers, lifetime_cents);
"""

BACK = """
INSERT INTO appointment_rollup_daily_folded (day, status, service_id, resource_id, appointments, duration_seconds, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT day, status, service_id, resource_id, appointments, duration_seconds, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more FROM appointment_rollup_folded WHERE grain = 0;
INSERT INTO appointment_rollup_weekday_hour_folded (weekday, hour, appointments, duration_seconds)
    SELECT weekday, hour, appointments, duration_seconds FROM appointment_rollup_folded WHERE grain = 1;
INSERT INTO appointment_rollup_day_status_folded (day, status, appointments, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more)
    SELECT day, status, appointments, lead_appointments, lead_seconds, lead_same_day, lead_1_to_6_days, lead_7_to_29_days, lead_30_days_or_more FROM appointment_rollup_folded WHERE grain = 2;
INSERT INTO appointment_rollup_day_service_folded (day, status, service_id, appointments)
    SELECT day, status, service_id, appointments FROM appointment_rollup_folded WHERE grain = 3;
INSERT INTO appointment_rollup_day_resource_folded (day, status, resource_id, appointments, duration_seconds)
    SELECT day, status, resource_id, appointments, duration_seconds FROM appointment_rollup_folded WHERE grain = 4;
INSERT INTO appointment_rollup_day_hour_folded (day, hour, status, appointments)
    SELECT day, hour, status, appointments FROM appointment_rollup_folded WHERE grain = 5;
INSERT INTO appointment_rollup_day_hour_detail_folded (day, hour, status, service_id, resource_id, appointments)
    SELECT day, hour, status, service_id, resource_id, appointments FROM appointment_rollup_folded WHERE grain = 6;
INSERT INTO appointment_rollup_month_hour_folded (month, weekday, hour, confirmed, cancelled, no_show)
    SELECT month, weekday, hour, confirmed, cancelled, no_show FROM appointment_rollup_folded WHERE grain = 7;
INSERT INTO appointment_rollup_resource_day_hour_folded (resource_id, day, hour, confirmed, cancelled, no_show)
    SELECT resource_id, day, hour, confirmed, cancelled, no_show FROM appointment_rollup_folded WHERE grain = 8;
INSERT INTO appointment_rollup_day_source_folded (day, status, source, service_id, resource_id, appointments)
    SELECT day, status, source, service_id, resource_id, appointments FROM appointment_rollup_folded WHERE grain = 9;
INSERT INTO appointment_rollup_day_status_source_folded (day, status, source, appointments)
    SELECT day, status, source, appointments FROM appointment_rollup_folded WHERE grain = 10;
INSERT INTO appointment_rollup_booked_week_folded (week, created_day, service_id, resource_id, appointments)
    SELECT week, created_day, service_id, resource_id, appointments FROM appointment_rollup_folded WHERE grain = 11;
INSERT INTO appointment_rollup_booked_month_folded (month, created_day, service_id, appointments)
    SELECT month, created_day, service_id, appointments FROM appointment_rollup_folded WHERE grain = 12;
INSERT INTO appointment_rollup_booked_month_resource_folded (month, created_day, service_id, resource_id, appointments)
    SELECT month, created_day, service_id, resource_id, appointments FROM appointment_rollup_folded WHERE grain = 13;
INSERT INTO appointment_rollup_booked_late_folded (day, created_day, service_id, resource_id, appointments)
    SELECT day, created_day, service_id, resource_id, appointments FROM appointment_rollup_folded WHERE grain = 14;
INSERT INTO payment_rollup_daily_folded (day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT day, service_id, resource_id, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents FROM payment_rollup_folded WHERE grain = 0;
INSERT INTO payment_rollup_day_folded (day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents)
    SELECT day, revenue_cents, transactions, refunded_cents, refunds, visit_revenue_cents FROM payment_rollup_folded WHERE grain = 1;
INSERT INTO appointment_rollup_month_status_folded (month, status, appointments)
    SELECT month, status, appointments FROM appointment_rollup_folded WHERE grain = 15;
INSERT INTO payment_rollup_month_folded (month, revenue_cents, transactions)
    SELECT month, revenue_cents, transactions FROM payment_rollup_folded WHERE grain = 2;
INSERT INTO customer_visit_links_folded (from_day, to_day, customers, visits, lifetime_cents)
    SELECT from_day, to_day, customers, visits, lifetime_cents FROM customer_link_rollup_folded WHERE grain = 0;
INSERT INTO customer_visit_daily_folded (day, customers, new_customers, visits)
    SELECT day, customers, new_customers, visits FROM customer_link_rollup_folded WHERE grain = 1;
INSERT INTO customer_new_channel_daily_folded (day, channel, customers)
    SELECT day, channel, customers FROM customer_link_rollup_folded WHERE grain = 2;
INSERT INTO customer_cohort_months_folded (cohort_month, month, customers)
    SELECT cohort_month, month, customers FROM customer_link_rollup_folded WHERE grain = 3;
INSERT INTO customer_at_risk_days_folded (at_risk_day, customers)
    SELECT at_risk_day, customers FROM customer_link_rollup_folded WHERE grain = 4;
INSERT INTO customer_lapsed_days_folded (lapsed_day, customers)
    SELECT lapsed_day, customers FROM customer_link_rollup_folded WHERE grain = 5;
"""


# The catalogue's files whose views read the old tables, directly or through a rollup
# view (their `after=` in db/catalogue.py): the DROP below takes their views with it, and
# the catalogue makes them again after this revision (their checksums forgotten here).
# Every other report object stays as it is.
OVER_THE_ROLLUPS = (
    "rollup_views",
    "analytics_daily",
    "analytics_by_service",
    "analytics_peak_times",
    "revenue_daily",
    "lead_time_daily",
    "revenue_by_resource_daily",
    "customers_daily",
    "channels_and_value",
    "available_minutes",
    "heatmap_report",
)


# Whoever could read the old tables (the schema's owner role, which the definer report
# functions run as) can read the new ones: by the old tables' ACL, as each one of a source
# was granted alike. (A schema made revision by revision has no such grant yet: its
# creation grants what the owner cannot read, definers.secure_definer_functions.) No
# percent sign: Alembic's offline script, which a new tenant runs behind an older
# baseline, writes each one doubled.
GRANTS = """
DO $grants$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT DISTINCT a.grantee::regrole::text AS role, merged
        FROM (VALUES ('appointment_rollup_daily_folded', 'appointment_rollup_folded'),
                     ('payment_rollup_daily_folded', 'payment_rollup_folded'),
                     ('customer_visit_links_folded', 'customer_link_rollup_folded')) t(old, merged)
        JOIN pg_class c ON c.oid = to_regclass(t.old)
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        EXECUTE 'GRANT SELECT ON ' || quote_ident(g.merged) || ' TO ' || g.role;
    END LOOP;
END
$grants$;
"""


def upgrade():
    forgotten = ", ".join(f"'{file}'" for file in OVER_THE_ROLLUPS)
    op.execute(
        f"DELETE FROM analytics_objects_state WHERE split_part(object, ':', 1) IN ({forgotten})"
    )
    op.execute(TABLES + COPIES + GRANTS)
    op.execute(f"DROP TABLE {', '.join(OLD)} CASCADE")
    op.execute(INDEXES + COMMENTS)


def downgrade():
    op.execute("DELETE FROM analytics_objects_state")
    op.execute(OLD_TABLES + BACK)
    op.execute(
        "DROP TABLE appointment_rollup_folded, payment_rollup_folded,"
        " customer_link_rollup_folded CASCADE"
    )
    op.execute(OLD_INDEXES)
