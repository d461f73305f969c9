"""The code's shape: one home for each rule, packages that say what they hold, short
functions (issue 26). Each check reads the repository as a newcomer would."""

import ast
import re
from pathlib import Path

from analytics_app.db import catalogue

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "analytics_app"
# The telltale of each rule, and the one file allowed to hold it.
ONE_HOME = {
    # A stored key hash read from its row to be compared.
    "the API-key check": (r"\w+\.key_hash\b", "analytics_app/sql/public/api_key_user.sql"),
    # The override-then-plan rule reads the plans' permissions.
    "the feature rule": (r"permissions\s*->>", "analytics_app/sql/public/tenant_feature.sql"),
    # A tenant's search path written out: "<schema>", public.
    "the search-path entry": (
        r"%I, public|\}, public|search_path', format",
        "analytics_app/sql/public/enter_tenant.sql",
    ),
    # The Authorization header's schemes.
    "the header schemes": (r"[\"']bearer[\"']", "analytics_app/tenants/accounts.py"),
}


def _sources():
    for folder in (APP, ROOT / "migrations"):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_each_rule_has_one_home():
    sources = dict(_sources())
    for rule, (telltale, home) in ONE_HOME.items():
        found = sorted(name for name, text in sources.items() if re.search(telltale, text, re.I))
        assert found == [home], rule


def test_no_migration_holds_a_function_body():
    """Functions are catalogue objects (analytics_app/sql/, analytics_app/sql/public/)."""
    for name, text in _sources():
        if name.startswith("migrations/") and "/versions/" in name:
            assert not re.search(r"CREATE\s+(OR\s+REPLACE\s+)?FUNCTION", text, re.I), name


def test_every_public_function_file_is_in_the_catalogue():
    files = {p.stem for p in catalogue.PUBLIC_SQL_DIR.glob("*.sql")}
    assert files == {e.file for e in catalogue.PUBLIC_CATALOGUE}


def test_the_package_root_holds_the_factory_config_extensions_and_gate():
    modules = sorted(p.name for p in APP.iterdir() if p.is_file() and p.suffix == ".py")
    assert modules == ["__init__.py", "config.py", "extensions.py", "gating.py"]
    assert not [p.name for p in APP.iterdir() if p.suffix == ".sql"]


def test_every_blueprint_lives_in_blueprints(app):
    homes = {name: bp.import_name for name, bp in app.blueprints.items()}
    assert homes and all(m.startswith("analytics_app.blueprints.") for m in homes.values()), homes


def test_no_function_over_fifty_lines():
    long = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 50:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {lines}")
    assert long == []


def test_tests_mirror_the_packages():
    """Each package of analytics_app has its tests folder (tests/<package>/)."""
    packages = {p.name for p in APP.iterdir() if (p / "__init__.py").exists()}
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name in packages}
    assert folders == packages
