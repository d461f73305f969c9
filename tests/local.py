"""Shared by the tests that start real programs: a free local port, and the rule for a
program the machine may lack (skip locally, fail where it must be there)."""

import os
import shutil
import socket

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
