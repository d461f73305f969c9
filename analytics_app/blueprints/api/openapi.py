"""GET /api/openapi.json: the OpenAPI 3 document, generated from the declared operations."""

import functools

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, jsonify

from analytics_app.blueprints.api import (  # noqa: F401  (importing them declares their routes)
    export,
    report_endpoints,
    schemas,
)
from analytics_app.blueprints.api.declare import OPERATIONS

bp = Blueprint("openapi", __name__)


def _json(component, description):
    return {"description": description, "content": {"application/json": {"schema": component}}}


def _name(schema_class):
    return schema_class.__name__.removesuffix("Schema")


COMMON = {
    "401": _json("Detail", "No credentials, or a bad, revoked or other tenant's key."),
    "404": _json("Detail", "The Host header names no tenant."),
    "405": _json("Detail", "Only GET is allowed."),
    "503": _json(
        "Detail",
        "Database unavailable or busy, or the report exceeded the time limit (Retry-After).",
    ),
}


def _operation(op):
    content = {}
    for media in op.media:
        is_json = media == "application/json" and op.body is not None
        content[media] = {"schema": _name(op.body) if is_json else {"type": "string"}}
    responses = {"200": {"description": op.description or op.summary, "content": content}}
    if op.args is not None:
        responses["400"] = _json("ValidationErrors", "A query parameter is not valid.")
    if op.secured:
        responses["401"] = COMMON["401"]
    if op.features:
        responses["403"] = _json(
            _name(op.forbidden or schemas.DetailSchema),
            "The tenant's plan lacks a feature this endpoint needs.",
        )
    responses.update({k: COMMON[k] for k in ("404", "405", "503")})
    parameters = [
        {"in": "path", "name": p["name"], "required": True, "schema": {"type": "string", **p}}
        for p in op.path_params
    ]
    for p in parameters:
        p["schema"].pop("name")
    if op.args is not None:
        parameters.append({"in": "query", "schema": op.args})
    operation = {"summary": op.summary, "parameters": parameters, "responses": responses}
    if op.secured:
        operation["security"] = [{"token": []}, {"session": []}]
    return {"get": operation}


@functools.cache
def document():
    spec = APISpec(
        title="Tenant Analytics API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Reports of one tenant (chosen by the Host header), computed "
            "in the tenant's time zone. Every field is defined in docs/api.md."
        },
    )
    spec.components.security_scheme(
        "token",
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`, a key from `flask tokens create`.",
        },
    )
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    components = {schemas.DetailSchema, schemas.ValidationErrorsSchema}
    for op in OPERATIONS:
        components.update(s for s in (op.body, op.forbidden) if s is not None)
    for schema_class in sorted(components, key=_name):
        spec.components.schema(_name(schema_class), schema=schema_class)
    for op in OPERATIONS:
        spec.path(path=op.path, operations=_operation(op))
    return spec.to_dict()


@bp.get("/api/openapi.json")
def openapi_document():
    return jsonify(document())
