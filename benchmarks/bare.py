"""A bare Flask JSON route, served like the app (gunicorn with gunicorn.conf.py): the floor
that WSGI, Flask and HTTP on this machine cost, for the web-layer ratios."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare():
    return jsonify({"ok": True})
