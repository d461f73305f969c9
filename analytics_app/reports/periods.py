"""A report's period from the query string: `days`, or `start` and `end` (local dates).

The rules (docs/api.md): both dates or neither, `start` <= `end`, at most 3,650 days in
all, inclusive at both ends, future dates allowed; `days` with `start`/`end` is an
error naming `days`; with neither, `days` defaults to 30. Each error names the
parameter at fault, in the SPEC's 400 body.
"""

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from analytics_app.reports.query_fields import StrictInteger

MAX_DAYS = 3650
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class LocalDate(fields.Date):
    """YYYY-MM-DD and nothing else (no times, no week dates, no 2026-1-5)."""

    default_error_messages = {"invalid": "Not a valid date: use YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None


class PeriodArgsSchema(Schema):
    """`days`, `start`, `end` as the reports take them; loads to days or start/end."""

    days = StrictInteger(
        validate=validate.Range(min=1, max=MAX_DAYS, error=f"Must be between 1 and {MAX_DAYS}."),
        metadata={
            "description": "Length of the period in local calendar days, ending today "
            "(default 30; not with start/end)."
        },
    )
    start = LocalDate(
        metadata={
            "description": "First local day of the period (YYYY-MM-DD), with end.",
            "pattern": ISO_DATE.pattern,
        }
    )
    end = LocalDate(
        metadata={
            "description": "Last local day of the period (YYYY-MM-DD), inclusive, with start; "
            f"at most {MAX_DAYS} days in all.",
            "pattern": ISO_DATE.pattern,
        }
    )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _one_period(self, data, original, **kwargs):
        # What the client sent decides which rule applies; a sent but malformed date
        # is reported by its field alone.
        given = {name for name in ("days", "start", "end") if name in original}
        if "days" in given and given & {"start", "end"}:
            raise ValidationError("Cannot be combined with start and end.", "days")
        if "start" in given and "end" not in given:
            raise ValidationError("Required with start.", "end")
        if "end" in given and "start" not in given:
            raise ValidationError("Required with end.", "start")
        if "start" in data and "end" in data:
            start, end = data["start"], data["end"]
            if end < start:
                raise ValidationError("Must not be before start.", "end")
            if (end - start).days + 1 > MAX_DAYS:
                raise ValidationError(f"The period may span at most {MAX_DAYS} days.", "end")

    @post_load
    def _default_days(self, data, **kwargs):
        if "start" not in data:
            data.setdefault("days", 30)
        return data


def as_params(args):
    """The report functions' period parameters: days, or start and end."""
    return {"days": args.get("days"), "start": args.get("start"), "end": args.get("end")}
