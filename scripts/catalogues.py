"""The gettext catalogues of analytics_app/translations/, made the same way every time.

    python scripts/catalogues.py extract   # the template: analytics_app/translations/messages.pot
    python scripts/catalogues.py update    # merge it into each language's messages.po
    python scripts/catalogues.py compile   # messages.po -> messages.mo (kept in the repository)
    python scripts/catalogues.py all       # the three, in that order

Babel's own commands (pybabel extract|update|compile) with the project's settings:
babel.cfg says where the words are, KEYWORDS how they are marked. The compiled .mo
files are committed, so the README's first command needs no extra step;
tests/formats/test_catalogues.py fails when any of the three would change a file.
"""

import sys
from pathlib import Path

from babel.messages import frontend

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "analytics_app" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("fr", "de", "es", "pt_BR", "ja")
# gettext, ngettext and _ are Babel's defaults; _l is lazy_gettext, N_ marks a message
# translated where it is shown.
KEYWORDS = ["_l", "N_", "lazy_gettext", "ngettext_as:1,2"]


def _run(*args):
    frontend.CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output=TEMPLATE):
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _run(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        *keywords,
        "--no-location",
        "--omit-header",
        "--sort-output",
        "-o",
        str(output),
        str(ROOT),
    )


def update():
    for language in LANGUAGES:
        if not (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").exists():
            _run("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", language, "--no-wrap")
        _run(
            "update",
            "-i",
            str(TEMPLATE),
            "-d",
            str(TRANSLATIONS),
            "-l",
            language,
            "--no-wrap",
            "--ignore-obsolete",
            "--no-fuzzy-matching",
        )


def compile_all():
    _run("compile", "-d", str(TRANSLATIONS), "--statistics")


def main(command):
    steps = {"extract": [extract], "update": [update], "compile": [compile_all]}
    steps["all"] = [extract, update, compile_all]
    for step in steps[command]:
        step()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
