"""GET /api/export/<kind>/: a tenant's rows as CSV or JSON lines, streamed and bounded."""

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from marshmallow import EXCLUDE, Schema, fields, validate

from analytics_app.blueprints.api import schemas
from analytics_app.blueprints.api.declare import operation
from analytics_app.db import exports
from analytics_app.extensions import csrf
from analytics_app.formats import spreadsheets
from analytics_app.request.tenancy import current_tenant

bp = Blueprint("export", __name__, url_prefix="/api/export")
csrf.exempt(bp)
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson", "xlsx": spreadsheets.MEDIA_TYPE}
KINDS = list(exports.TABLES)


class ExportArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(
        validate=validate.OneOf(["csv", "jsonl", "xlsx"], error="Must be csv, jsonl or xlsx."),
        metadata={
            "description": "Default jsonl, or csv with Accept: text/csv; xlsx: an Excel"
            " worksheet with typed cells (timestamps in the tenant's local time)."
        },
    )
    start = fields.Date(metadata={"description": "First local day (YYYY-MM-DD), inclusive."})
    end = fields.Date(
        metadata={
            "description": "Last local day (YYYY-MM-DD), inclusive; "
            "before start, the export is empty."
        }
    )


@operation(
    bp,
    f"/<any({', '.join(KINDS)}):kind>/",
    summary="A table of the tenant, streamed as JSON lines (default), CSV or xlsx.",
    args=ExportArgsSchema,
    media=tuple(MEDIA.values()),
    features=("can_export_data",),
    forbidden=schemas.DetailSchema,
    path_params=({"name": "kind", "enum": KINDS},),
    read_only_report=False,  # streams from its own pool (db/exports.py)
    description="The rows, oldest id first. A cut export (past EXPORT_DEADLINE_S, or "
    "stopped by the database) ends without its closing chunk; JSON lines end with an "
    '{"error": "export incomplete", ...} line.',
)
def export(args, kind):
    fmt = args.get("format") or ("csv" if request.accept_mimetypes.best == "text/csv" else "jsonl")
    limits = exports.Limits(
        current_app.config["EXPORT_DEADLINE_S"], current_app.config["EXPORT_IDLE_S"]
    )
    # Opened here, not in the generator, so a database fault is still a clean 503.
    try:
        pooled, conn = exports.open_connection(current_tenant.schema_name, limits)
    except exports.ExportBusy:
        response = jsonify({"detail": "Too many exports are running; try again shortly."})
        return response, 503, {"Retry-After": "30"}
    # The client's socket (Werkzeug's and gunicorn's servers name it), so that a client
    # that stops reading is dropped after EXPORT_IDLE_S and a cut export shows as cut.
    client_socket = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    body = exports.stream(
        pooled, conn, fmt, kind, args.get("start"), args.get("end"), limits, client_socket
    )
    filename = f"{current_tenant.schema_name}-{kind}.{fmt}"
    return Response(
        stream_with_context(body),
        mimetype=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
