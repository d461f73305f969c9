"""Where email goes: MAIL_URL, or standard output when it is unset.

- `smtp://[user:password@]host[:port]` (port 25 by default): STARTTLS when the server
  offers it (RFC 3207), then AUTH when a user is given;
- `smtps://[user:password@]host[:port]` (465): TLS from the first byte (RFC 8314);
- unset: each message is printed instead of sent (the demo's default), and the
  sender says so.

User and password are percent-decoded (`%40` for an "@" in a user name). Certificates
are checked against the system's trust store.
"""

import smtplib
import ssl
import sys
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailConfigError(ValueError):
    pass


class PrintTransport:
    """Writes each message to a stream (standard output) instead of sending it."""

    description = "MAIL_URL is not set: messages are printed here, not sent"

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message):
        stream = self.stream or sys.stdout
        stream.write(message.as_string() + "\n")
        stream.flush()


class SmtpTransport:
    def __init__(self, url, timeout=30):
        self.timeout = timeout
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise MailConfigError(
                "MAIL_URL must look like smtp://user:password@host:587 or smtps://host:465."
            )
        self.scheme = parts.scheme
        self.host = parts.hostname
        try:
            self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise MailConfigError("MAIL_URL has a port that is not a number.") from None
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.description = f"sending through {self.scheme}://{self.host}:{self.port}"

    def _connect(self):
        context = ssl.create_default_context()
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp

    def send(self, message):
        with self._connect() as smtp:
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def from_url(url, timeout=30):
    """The transport for MAIL_URL; timeout: seconds a silent server is waited for."""
    return SmtpTransport(url, timeout) if url else PrintTransport()
