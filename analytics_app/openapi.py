"""The OpenAPI 3 document, generated from the marshmallow schemas in reports.py."""

import functools

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from . import reports


class DetailSchema(Schema):
    detail = fields.String(required=True)


class PaymentsDeniedSchema(Schema):
    error = fields.String()
    detail = fields.String(required=True)


class ValidationErrorsSchema(Schema):
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Each bad parameter with why it is bad."},
    )


class IndexSchema(Schema):
    dashboard = fields.String()
    appointments = fields.String()
    revenue = fields.String()


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


COMMON = {
    "401": _json("Detail", "No credentials, or a bad, revoked or other tenant's key."),
    "404": _json("Detail", "The Host header names no tenant."),
    "405": _json("Detail", "Only GET is allowed."),
    "503": _json("Detail", "Database unavailable, or the report exceeded the time limit."),
}


def _report(summary, args, body, gate):
    return {
        "get": {
            "summary": summary,
            "security": [{"token": []}, {"session": []}],
            "parameters": [{"in": "query", "schema": args}] if args else [],
            "responses": {
                "200": {
                    "description": "The report (its daily breakdown as CSV with format=csv).",
                    "content": {
                        "application/json": {"schema": body},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _json("ValidationErrors", "A query parameter is not valid."),
                "403": _json(gate, "The tenant's plan lacks a feature this report needs."),
                **COMMON,
            },
        }
    }


@functools.cache
def document():
    spec = APISpec(
        title="Tenant Analytics API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Reports of one tenant (chosen by the Host header), computed "
            "in the tenant's time zone. See SPEC.md for every definition."
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
    for name, schema in [
        ("Detail", DetailSchema),
        ("PaymentsDenied", PaymentsDeniedSchema),
        ("ValidationErrors", ValidationErrorsSchema),
        ("Index", IndexSchema),
        ("Dashboard", reports.DashboardSchema),
        ("Appointments", reports.AppointmentsSchema),
        ("Revenue", reports.RevenueSchema),
    ]:
        spec.components.schema(name, schema=schema)
    spec.path(
        path="/api/analytics/",
        operations={
            "get": {
                "summary": "The report endpoints' URLs.",
                "responses": {
                    "200": _json("Index", "URLs."),
                    "404": COMMON["404"],
                    "405": COMMON["405"],
                    "503": COMMON["503"],
                },
            }
        },
    )
    spec.path(
        path="/api/analytics/analytics/dashboard/",
        operations=_report("This month, all time, upcoming, peaks.", None, "Dashboard", "Detail"),
    )
    spec.path(
        path="/api/analytics/analytics/appointments/",
        operations=_report(
            "Appointments over a period, with filters.",
            reports.AppointmentsArgsSchema,
            "Appointments",
            "Detail",
        ),
    )
    spec.path(
        path="/api/analytics/analytics/revenue/",
        operations=_report(
            "Succeeded payments over a period.",
            reports.RevenueArgsSchema,
            "Revenue",
            "PaymentsDenied",
        ),
    )
    from .blueprints.export import ExportArgsSchema

    spec.path(
        path="/api/export/{kind}/",
        operations={
            "get": {
                "summary": "A table of the tenant, streamed as JSON lines (default) or CSV.",
                "security": [{"token": []}, {"session": []}],
                "parameters": [
                    {
                        "in": "path",
                        "name": "kind",
                        "required": True,
                        "schema": {
                            "type": "string",
                            "enum": [
                                "appointments",
                                "payments",
                                "customers",
                                "services",
                                "resources",
                            ],
                        },
                    },
                    {"in": "query", "schema": ExportArgsSchema},
                ],
                "responses": {
                    "200": {
                        "description": "The rows, oldest id first.",
                        "content": {
                            "application/x-ndjson": {"schema": {"type": "string"}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "400": _json("ValidationErrors", "A query parameter is not valid."),
                    "403": _json("Detail", "The tenant's plan lacks Data Export."),
                    **COMMON,
                },
            }
        },
    )
    return spec.to_dict()
