"""WSGI entry point: `gunicorn wsgi:app`."""

from analytics_app import create_app

app = create_app()
