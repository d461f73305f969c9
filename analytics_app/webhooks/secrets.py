"""Signing secrets: `whsec_` + base64 of 24 random bytes (the Standard Webhooks form),
shown once, stored sealed with a key derived from SECRET_KEY, so that a reader of the
table (a DBA role, a backup) holds nothing it can sign with.

The seal is HMAC-SHA256 in counter mode as a key stream over the secret, with a random
nonce and an HMAC-SHA256 tag (encrypt-then-MAC, standard library only).
"""

import base64
import hashlib
import hmac
import secrets

from flask import current_app

PREFIX = "whsec_"


def new_secret():
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signing_key(secret):
    """The bytes a signature is keyed with: the base64 part of `whsec_...`."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def _keys():
    master = current_app.config["SECRET_KEY"].encode()
    derive = lambda label: hmac.new(master, label, hashlib.sha256).digest()  # noqa: E731
    return derive(b"webhook-secret-stream"), derive(b"webhook-secret-tag")


def _stream(key, nonce, length):
    blocks = (
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
        for i in range((length + 31) // 32)
    )
    return b"".join(blocks)[:length]


def seal(secret):
    stream_key, tag_key = _keys()
    nonce = secrets.token_bytes(16)
    plain = secret.encode()
    cipher = bytes(
        a ^ b for a, b in zip(plain, _stream(stream_key, nonce, len(plain)), strict=True)
    )
    tag = hmac.new(tag_key, nonce + cipher, hashlib.sha256).digest()
    return base64.b64encode(nonce + tag + cipher).decode()


def unseal(sealed):
    stream_key, tag_key = _keys()
    raw = base64.b64decode(sealed)
    nonce, tag, cipher = raw[:16], raw[16:48], raw[48:]
    expected = hmac.new(tag_key, nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise ValueError("The webhook secret was sealed with another SECRET_KEY.")
    stream = _stream(stream_key, nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True)).decode()
