"""GET /api/export/<kind>/: a tenant's rows as CSV or JSON lines, streamed."""

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .. import exports
from ..authentication import api_login_required
from ..extensions import csrf
from ..gating import requires_feature
from ..tenancy import current_tenant

bp = Blueprint("export", __name__, url_prefix="/api/export")
csrf.exempt(bp)
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


class ExportArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(
        validate=validate.OneOf(["csv", "jsonl"], error="Must be csv or jsonl."),
        metadata={"description": "Default jsonl, or csv with Accept: text/csv."},
    )
    start = fields.Date(metadata={"description": "First local day (YYYY-MM-DD), inclusive."})
    end = fields.Date(
        metadata={
            "description": "Last local day (YYYY-MM-DD), inclusive; "
            "before start, the export is empty."
        }
    )


@bp.get("/<any(appointments, payments, customers, services, resources):kind>/")
@api_login_required
@requires_feature("can_export_data")
def export(kind):
    try:
        args = ExportArgsSchema().load(request.args)
    except ValidationError as err:
        return jsonify({"errors": err.messages}), 400
    fmt = args.get("format") or ("csv" if request.accept_mimetypes.best == "text/csv" else "jsonl")
    stream = exports.stream_csv if fmt == "csv" else exports.stream_jsonl
    # Opened here, not in the generator, so a database fault is still a clean 503.
    pooled, conn = exports.open_connection(
        current_tenant.schema_name, current_app.config["EXPORT_STATEMENT_TIMEOUT_MS"]
    )
    body = stream(pooled, conn, kind, args.get("start"), args.get("end"))
    filename = f"{current_tenant.schema_name}-{kind}.{fmt}"
    return Response(
        stream_with_context(body),
        mimetype=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
