"""Shared by the tests that start real programs: a free local port, the rule for a
program the machine may lack (skip locally, fail where it must be there), and the
inbox of the real SMTP server (aiosmtpd) the email tests send to."""

import asyncio
import email
import os
import shutil
import socket
import threading
from email import policy

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_program(path, name, package, required_by):
    """Skip without `path`, except in CI or when the environment variable `required_by`
    is 1: there a missing program fails the test."""
    if shutil.which(path) or os.path.exists(path):
        return
    message = f"{name} not found at {path}: apt-get install {package}"
    if os.environ.get(required_by) == "1" or os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class Inbox:
    """An aiosmtpd handler keeping every message; it can refuse or be slow on purpose."""

    def __init__(self):
        self.messages = []
        self.refuse = 0  # answer this many DATA commands with a temporary failure
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Mailbox temporarily unavailable"
            self.messages.append(
                email.message_from_bytes(envelope.original_content, policy=policy.default)
            )
        return "250 2.0.0 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]
