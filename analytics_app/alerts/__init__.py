"""Alerts (SPEC Part 6): `flask alerts check` records, per tenant with advanced_analytics,
the alerts whose rule holds (analytics_app/sql/alerts.sql), each once per rule and
subject however often or concurrently it runs, and queues their webhook deliveries in
the same transaction (the outbox that `flask webhooks deliver` sends)."""
