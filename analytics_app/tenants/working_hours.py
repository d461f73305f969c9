"""Working hours and time off of a tenant's resources (`flask resources ...`).

Hours are written as a resource's week: "mon-fri 09:00-17:00", "sat 10:00-13:00,14:00-18:00",
"sun,wed 12:00-20:00". Days are mon..sun (ranges may wrap: "fri-mon"); times are
local wall-clock HH:MM, 24:00 allowed as a closing time. The rows go to the SPEC's
`resource_hours` table (weekday 0 = Sunday), one per day and interval; overlaps are
kept as given (the reports count them once).
"""

import re
from datetime import time

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from analytics_app.db.tenant_session import enter_schema
from analytics_app.extensions import db
from analytics_app.tenants.tenant_admin import AdminError, get_tenant

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _day(name):
    try:
        return DAYS.index(name.strip().lower()[:3])
    except ValueError:
        raise AdminError(f"Unknown day {name!r}: use mon, tue, wed, thu, fri, sat, sun.") from None


def _days(spec):
    days = []
    for part in spec.split(","):
        if "-" in part:
            first, last = (_day(p) for p in part.split("-", 1))
            span = (last - first) % 7
            days += [(first + i) % 7 for i in range(span + 1)]
        else:
            days.append(_day(part))
    return sorted(set(days))


def _clock(hours, minutes, spec):
    h, m = int(hours), int(minutes)
    if (h, m) == (24, 0):
        return "24:00"
    if h > 23 or m > 59:
        raise AdminError(f"Not a time of day in {spec!r}.")
    return time(h, m).strftime("%H:%M")


def parse_week(specs):
    """[(weekday, opens, closes)] from specs like "mon-fri 09:00-12:00,13:00-17:00"."""
    rows = []
    for spec in specs:
        try:
            day_part, time_part = spec.split()
        except ValueError:
            raise AdminError(
                f'Cannot read {spec!r}: write days and times, e.g. "mon-fri 09:00-17:00".'
            ) from None
        intervals = []
        for piece in time_part.split(","):
            match = INTERVAL.match(piece)
            if not match:
                raise AdminError(f"Cannot read the times {piece!r} in {spec!r}: use HH:MM-HH:MM.")
            opens = _clock(match[1], match[2], spec)
            closes = _clock(match[3], match[4], spec)
            if closes <= opens:
                raise AdminError(f"{piece!r} in {spec!r} closes before it opens.")
            intervals.append((opens, closes))
        rows += [(day, opens, closes) for day in _days(day_part) for opens, closes in intervals]
    return rows


def _enter(schema, resource_id):
    get_tenant(schema)
    enter_schema(db.session, schema)
    name = db.session.execute(
        text("SELECT name FROM resources WHERE id = :id"), {"id": resource_id}
    ).scalar()
    if name is None:
        raise AdminError(f"No resource {resource_id} in {schema!r}.")
    return name


def set_hours(schema, resource_id, specs):
    """Replace a resource's weekly hours; no specs clears them. Returns the rows written."""
    _enter(schema, resource_id)
    rows = parse_week(specs)
    db.session.execute(
        text("DELETE FROM resource_hours WHERE resource_id = :id"), {"id": resource_id}
    )
    for weekday, opens, closes in rows:
        db.session.execute(
            text(
                "INSERT INTO resource_hours (resource_id, weekday, opens_at, closes_at)"
                " VALUES (:id, :weekday, :opens, :closes)"
            ),
            {"id": resource_id, "weekday": weekday, "opens": opens, "closes": closes},
        )
    return rows


def add_time_off(schema, resource_id, starts, ends, reason=None):
    """Time off from `starts` to `ends`, local wall-clock times of the tenant ("YYYY-MM-DD"
    or "YYYY-MM-DD HH:MM"). Returns (id, starts_at, ends_at) as stored."""
    _enter(schema, resource_id)
    try:
        row = db.session.execute(
            text(
                "INSERT INTO resource_time_off (resource_id, starts_at, ends_at, reason)"
                " SELECT :id, CAST(:starts AS timestamp) AT TIME ZONE tz,"
                " CAST(:ends AS timestamp) AT TIME ZONE tz, :reason"
                " FROM (SELECT tenant_timezone() AS tz) z"
                " RETURNING id, starts_at, ends_at"
            ),
            {"id": resource_id, "starts": starts, "ends": ends, "reason": reason},
        ).one()
    except DBAPIError as err:  # a bad timestamp or ends <= starts, in PostgreSQL's words
        db.session.rollback()
        message = str(getattr(err, "orig", err)).splitlines()[0]
        if "resource_time_off_ends_after_starts" in message:
            message = "The time off must end after it starts."
        raise AdminError(f"Cannot add that time off: {message}") from None
    return tuple(row)


def describe(schema):
    """Per resource: (id, name, active, ["mon 09:00-17:00", ...], [(starts, ends, reason)])."""
    get_tenant(schema)
    enter_schema(db.session, schema)
    resources = db.session.execute(
        text("SELECT id, name, is_active FROM resources ORDER BY id")
    ).all()
    hours = db.session.execute(
        text(
            "SELECT resource_id, weekday, to_char(opens_at, 'HH24:MI'), to_char(closes_at, 'HH24:MI')"
            " FROM resource_hours ORDER BY resource_id, (weekday + 6) % 7, opens_at"
        )
    ).all()
    away = db.session.execute(
        text(
            "SELECT resource_id, starts_at, ends_at, reason FROM resource_time_off"
            " WHERE ends_at > now() ORDER BY resource_id, starts_at"
        )
    ).all()
    return [
        (
            r.id,
            r.name,
            r.is_active,
            [f"{DAYS[w]} {o}-{c}" for rid, w, o, c in hours if rid == r.id],
            [(s, e, why) for rid, s, e, why in away if rid == r.id],
        )
        for r in resources
    ]
