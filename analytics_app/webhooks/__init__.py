"""Webhooks (SPEC Part 6): a tenant's endpoints (endpoints.py), their signing secrets
sealed with the app's key (secrets.py), and the sender (delivery.py): the Standard
Webhooks headers and signature, retries on the SPEC's schedule with the same id, and the
SSRF defences (https only, no private, loopback, link-local or metadata address checked
after resolving at delivery time, no redirects, 10 s, 64 KB of response at most)."""
