"""Alert emails (SPEC Part 6) through a real SMTP server (aiosmtpd): sent once to each user
who keeps alert emails on (the owner by default), never to the others, across reruns and
concurrent checks; a refused message stays pending for the next run; the one-click link
turns a user's alert emails off."""

import re
import threading
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import urlsplit

from analytics_app.extensions import db
from analytics_app.tenants import accounts, tenant_admin
from tests.reference import Ledger

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # a Wednesday
YESTERDAY = date(2026, 6, 9)


def salon(make_tenant):
    ledger = Ledger(make_tenant(timezone="Europe/Paris"))
    ledger.service(1, "Cut", price=3000)
    ledger.resource(1, "Chair 1")
    return ledger


def spike(ledger, day, appointments=10, lost=4):
    for i in range(appointments):
        status = "no_show" if i < lost else "confirmed"
        ledger.book(ledger.local(day, 9) + timedelta(minutes=10 * i), status=status)


def add_user(app, tenant, email, active=True, alerts=None):
    with app.app_context():
        t = tenant_admin.get_tenant(tenant.schema)
        user, _ = accounts.create_user(t, email, "pw-123456")
        if alerts is not None:
            user.alert_emails = alerts
        user.is_active = active
        db.session.commit()


def check(runner, tenant, now=NOW, code=0):
    result = runner.invoke(
        args=["alerts", "check", "--now", now.isoformat(), "--tenant", tenant.schema]
    )
    assert result.exit_code == code, result.output
    return result.output


def figures(html):
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def alert_emails(tenant, address):
    return tenant.scalar(
        "SELECT alert_emails FROM public.users WHERE tenant_id = %s AND email = %s",
        (tenant.id, address),
    )


def test_alert_emails_go_once_to_the_users_who_keep_them_on(app, client, runner, smtp, make_tenant):
    ledger = salon(make_tenant)
    tenant = ledger.tenant
    add_user(app, tenant, "owner@example.com")  # the first user: alert emails on
    add_user(app, tenant, "partner@example.com")  # later users: off
    add_user(app, tenant, "desk@example.com", alerts=True)
    add_user(app, tenant, "gone@example.com", active=False, alerts=True)
    neighbour = salon(make_tenant)  # another tenant's owner, next door, with its own spike
    add_user(app, neighbour.tenant, "owner@next.example")
    spike(ledger, YESTERDAY)
    spike(neighbour, YESTERDAY, lost=1)  # 10 %: over 5 points (no baseline), fires too
    assert (
        alert_emails(tenant, "owner@example.com"),
        alert_emails(tenant, "partner@example.com"),
    ) == (
        True,
        False,
    )

    output = check(runner, tenant)
    assert "Alert emails sent: 2, failed: 0" in output
    assert sorted(m["To"] for m in smtp.messages) == ["desk@example.com", "owner@example.com"]
    message = smtp.to("owner@example.com")[0]
    assert message["Subject"].strip() == (
        f"Tenant {tenant.schema}: More cancellations and no-shows than usual on Tue, Jun 9"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = unescape(message.get_body(("html",)).get_content())
    # The sentence in the reader's words and the tenant's formats (the API's `message`
    # is the English one sql/alerts.sql writes).
    sentence = (
        "40.00% of the appointments of Jun 9, 2026 were cancelled or missed, against"
        " 0.00% on the same weekday over the previous 8 weeks."
    )
    assert sentence in text and sentence in html
    assert figures(html) == {
        "message": sentence,
        "value": "40.00%",
        "baseline": "0.00%",
        "threshold": "5.00%",
    }
    assert "Cancelled or missed that day: 40.00%" in text
    assert f"http://{tenant.host}:5000/#alerts" in text
    # No email is owed to the deactivated user, nor to the one with alert emails off.
    assert tenant.sql(
        "SELECT u.email, n.status FROM notification_emails n JOIN public.users u"
        " ON u.id = n.user_id ORDER BY u.email"
    ) == [("desk@example.com", "sent"), ("owner@example.com", "sent")]

    # Again, and four at once: nothing more.
    check(runner, tenant)
    from analytics_app.alerts import check as checks
    from analytics_app.email_reports import transport

    def run():
        with app.app_context():
            mail = transport.from_url(app.config["MAIL_URL"])
            checks.check_all(db.session, NOW, [tenant.schema], lambda _l: None, mail)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(smtp.messages) == 2
    check(runner, neighbour.tenant)  # the neighbour's alert goes to its own owner alone
    assert [m["To"] for m in smtp.messages[2:]] == ["owner@next.example"]
    assert "10.00% of the appointments" in smtp.messages[2].get_body(("plain",)).get_content()

    # The one-click link: GET asks, POST turns the owner's alert emails off (and only them).
    path = urlsplit(message["List-Unsubscribe"].strip("<>")).path
    page = client.get(path, base_url=f"http://{tenant.host}")
    assert page.status_code == 200 and b"Stop alert emails from" in page.data
    assert alert_emails(tenant, "owner@example.com") is True
    done = client.post(path, base_url=f"http://{tenant.host}", data="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and b"will not get alert emails" in done.data
    assert alert_emails(tenant, "owner@example.com") is False
    assert (
        tenant.scalar(
            "SELECT report_frequency FROM public.users WHERE tenant_id = %s AND email = %s",
            (tenant.id, "owner@example.com"),
        )
        == "weekly"
    )

    # The next day's alert reaches the desk alone.
    spike(ledger, YESTERDAY + timedelta(days=1), lost=5)
    check(runner, tenant, NOW + timedelta(days=1))
    assert [m["To"] for m in smtp.messages[3:]] == ["desk@example.com"]
    assert smtp.messages[3]["Subject"].endswith("usual on Wed, Jun 10")


def test_a_refused_alert_email_stays_pending_and_the_next_run_sends_it(
    app, runner, smtp, make_tenant
):
    ledger = salon(make_tenant)
    add_user(app, ledger.tenant, "owner@example.com")
    add_user(app, ledger.tenant, "desk@example.com", alerts=True)
    spike(ledger, YESTERDAY)
    smtp.refuse = 2
    output = check(runner, ledger.tenant, code=1)
    assert "Alert email to owner@example.com failed" in output
    rows = ledger.tenant.sql("SELECT status, attempts, last_error FROM notification_emails")
    assert [r[:2] for r in rows] == [("pending", 1), ("pending", 1)] and "451" in rows[0][2]
    assert smtp.messages == []
    # Meanwhile the desk turns alert emails off: its owed email is skipped, not sent.
    ledger.tenant.sql(
        "UPDATE public.users SET alert_emails = false WHERE email = 'desk@example.com'"
        " AND tenant_id = %s",
        (ledger.tenant.id,),
    )
    check(runner, ledger.tenant)
    assert [m["To"] for m in smtp.messages] == ["owner@example.com"]
    assert ledger.tenant.sql(
        "SELECT u.email, n.status, n.attempts, n.last_error FROM notification_emails n"
        " JOIN public.users u ON u.id = n.user_id ORDER BY u.email"
    ) == [
        ("desk@example.com", "skipped", 2, "the user turned alert emails off"),
        ("owner@example.com", "sent", 2, None),
    ]
    # A day later an email still owed is no news: expired, not sent.
    add_user(app, ledger.tenant, "late@example.com", alerts=True)
    ledger.tenant.sql(
        "INSERT INTO notification_emails (kind, alert_id, user_id, created_at)"
        " SELECT 'alert', a.id, u.id, now() - interval '25 hours'"
        " FROM alerts a, public.users u WHERE u.tenant_id = %s AND u.email = 'late@example.com'",
        (ledger.tenant.id,),
    )
    check(runner, ledger.tenant)
    assert len(smtp.messages) == 1
    assert (
        ledger.tenant.scalar(
            "SELECT status FROM notification_emails n JOIN public.users u ON u.id = n.user_id"
            " WHERE u.email = 'late@example.com'"
        )
        == "expired"
    )


def test_the_alert_email_is_in_the_tenants_language(app, client, runner, smtp, make_tenant):
    """A French salon's owner reads the alert in French, its figures written the French
    way (SPEC Parts 6 and 7); a user who chose German reads German."""
    ledger = salon(make_tenant)
    tenant = ledger.tenant
    for command, value in (("set-currency", "EUR"), ("set-locale", "fr_FR")):
        assert runner.invoke(args=["tenants", command, tenant.schema, value]).exit_code == 0
    add_user(app, tenant, "patronne@salon.example")
    add_user(app, tenant, "kollege@salon.example", alerts=True)
    result = runner.invoke(
        args=["users", "set-language", "--tenant", tenant.schema]
        + ["--email", "kollege@salon.example", "de"]
    )
    assert result.exit_code == 0, result.output
    spike(ledger, YESTERDAY)
    check(runner, tenant)
    french = smtp.to("patronne@salon.example")[0]
    assert french["Subject"].strip() == (
        f"Tenant {tenant.schema}\xa0: Plus d’annulations et d’absences que d’habitude le mar. 9 juin"
    )
    text = french.get_body(("plain",)).get_content()
    assert (
        "40,00\xa0% des rendez-vous du 9 juin 2026 ont été annulés ou non honorés, contre"
        " 0,00\xa0% le même jour de la semaine sur les 8 semaines précédentes."
    ) in text
    assert "Annulés ou non honorés ce jour-là\xa0: 40,00\xa0%" in text
    html = french.get_body(("html",)).get_content()
    assert '<html lang="fr">' in html and "Ouvrir le tableau de bord" in html
    german = smtp.to("kollege@salon.example")[0]
    # German words, the salon's French dates (weekday and month names keep the locale's).
    assert (
        german["Subject"]
        .strip()
        .endswith("Mehr Absagen und Nichterscheinen als üblich am mar. 9 juin")
    )
    assert '<html lang="de">' in german.get_body(("html",)).get_content()
    # Its one-click link opens a page in German too (no session: the token's user's).
    path = urlsplit(german["List-Unsubscribe"].strip("<>")).path
    page = client.get(path, base_url=f"http://{tenant.host}").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert (
        f"Benachrichtigungs-E-Mails von Tenant {tenant.schema} an kollege@salon.example"
        " abbestellen?"
    ) in page
