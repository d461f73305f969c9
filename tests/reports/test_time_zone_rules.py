"""The tests' reference converts times with Python's zoneinfo; the reports with the
server's time-zone database (docs/decisions.md, "Time-zone rules are the database
server's"). The two are different copies of the IANA data and disagree where a zone's
rules changed between their releases, so the zones the tests give tenants must be ones
on which they agree: this says so by name, before a figure differs by an hour."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

TESTS = Path(__file__).resolve().parents[1]
ZONE = re.compile(
    r"[\"'](?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[\w/+-]+[\"']"
)
# Every zone a test names (and so may give a tenant), found in the other tests' text
# (tests/*.py and tests/<package>/*.py; not this file, whose names are only checks).
ZONES_THE_TESTS_USE = sorted(
    {
        m.group(0)[1:-1]
        for f in [*TESTS.glob("*.py"), *TESTS.glob("*/*.py")]
        if f != Path(__file__).resolve()
        for m in ZONE.finditer(f.read_text())
    }
)
FIRST, LAST, STEP = datetime(2020, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC), 6


def test_the_zones_are_found():
    assert {"America/New_York", "Pacific/Chatham", "Australia/Lord_Howe"} <= set(
        ZONES_THE_TESTS_USE
    )


@pytest.mark.parametrize("zone", ZONES_THE_TESTS_USE)
def test_the_reference_and_the_server_read_the_zone_alike(dsn, zone):
    with psycopg.connect(dsn) as conn:
        server = conn.execute(
            "SELECT extract(epoch FROM (t AT TIME ZONE %s) - (t AT TIME ZONE 'UTC'))::int"
            " FROM generate_series(%s::timestamptz, %s, make_interval(hours => %s)) t"
            " ORDER BY t",
            (zone, FIRST, LAST, STEP),
        ).fetchall()
    python = []
    moment = FIRST
    while moment <= LAST:
        python.append(int(moment.astimezone(ZoneInfo(zone)).utcoffset().total_seconds()))
        moment += timedelta(hours=STEP)
    assert len(server) == len(python) == 3288 * 4 + 1  # 2020-01-01 .. 2029-01-01
    differ = [
        (FIRST + timedelta(hours=STEP * i), s, p)
        for i, ((s,), p) in enumerate(zip(server, python, strict=True))
        if s != p
    ]
    assert differ == [], f"{zone}: (instant, server's offset, Python's) {differ[:3]}"
