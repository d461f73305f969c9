"""Scheduled email reports: a weekly or monthly summary, in each owner's time zone, once.

- schedule.py: which reports are due (public.due_report_deliveries), and sending each
  once through report_deliveries;
- figures.py: a period's figures, from the same SQL functions as the API;
- message.py: the email (plain text, HTML, a PNG chart, one-click unsubscribe);
- chart.py: the PNG chart, drawn without an imaging library;
- transport.py: MAIL_URL (smtp://, smtps://) or printing;
- unsubscribe.py: the signed links and their page.

docs/email-reports.md explains the rules and the decisions.
"""
