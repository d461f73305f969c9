"""The gettext catalogues (SPEC Part 7): complete in every language, in step with the
code (extracting again changes nothing), compiled from what is written, and no word of
a template left unmarked."""

import re
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import catalogues  # noqa: E402 (scripts/catalogues.py, the one way the catalogues are made)

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(language):
    with open(catalogues.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def template():
    with open(catalogues.TEMPLATE, "rb") as f:
        return read_po(f)


def _tuple(value):
    return value if isinstance(value, str) else tuple(value)


def keys(cat):
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


@pytest.mark.parametrize("language", catalogues.LANGUAGES)
def test_every_message_has_a_translation_in_every_catalogue(language):
    cat = catalogue(language)
    assert keys(cat) == keys(template()), "run: python scripts/catalogues.py update"
    problems = []
    for message in cat:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        source = message.id if isinstance(message.id, str) else message.id[-1]
        wanted = set(PLACEHOLDER.findall(source))
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        if len(forms) != (cat.num_plurals if message.pluralizable else 1):
            problems.append(("plural forms", message.id))
        for form in forms:
            if not form or not form.strip():
                problems.append(("empty", message.id))
            # Every placeholder kept, none invented (a singular may leave out the count).
            found = set(PLACEHOLDER.findall(form or ""))
            if found - wanted or (wanted - found) - ({"num"} if message.pluralizable else set()):
                problems.append(("placeholders", message.id, form))
            if "<strong>" in source and "<strong>" not in (form or ""):
                problems.append(("markup", message.id))
            # A translation is Markup (not escaped) in the templates: it may bring no
            # quote or tag the English has not, or it could break an attribute.
            for mark in ('"', "<", ">", "&"):
                if (form or "").count(mark) > source.count(mark):
                    problems.append(("markup characters", message.id, form))
    assert problems == []


def test_extracting_again_changes_nothing(tmp_path):
    """Every marked string is in the catalogues: a message added, changed or removed in
    the code without `python scripts/catalogues.py all` fails here."""
    fresh = tmp_path / "messages.pot"
    catalogues.extract(fresh)
    assert fresh.read_text() == catalogues.TEMPLATE.read_text()


@pytest.mark.parametrize("language", catalogues.LANGUAGES)
def test_the_compiled_catalogue_is_the_written_one(language):
    """The .mo files kept in the repository (so that `pip install` and `flask demo` need
    no compile step) hold exactly what the .po files say."""

    def entries(cat):
        return {_tuple(m.id): _tuple(m.string) for m in cat if m.id}

    written = entries(catalogue(language))
    path = catalogues.TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    with open(path, "rb") as f:
        compiled = entries(read_mo(f))
    assert compiled == written, "run: python scripts/catalogues.py compile"


# What may stay as it is in a template: the brand, codes, and punctuation.
ALLOWED_WORDS = {"Tenant", "Analytics", "HTTP", "JSON", "POST", "CSV", "PDF", "h"}
JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TAG = re.compile(r"<(?:style|script)\b.*?</(?:style|script)>|<[^>]*>", re.S)
READ_ATTRIBUTES = re.compile(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
STRING = r'"(?:[^"\\]|\\.)*"'
MARKED = re.compile(rf"(?:\b_|\bgettext|\bngettext|\bngettext_as)\(\s*{STRING}(?:\s*,\s*{STRING})?")


def _words_left(text):
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w not in ALLOWED_WORDS]


@pytest.mark.parametrize(
    "path",
    sorted(
        p.relative_to(ROOT)
        for p in (ROOT / "analytics_app" / "templates").rglob("*")
        if p.suffix in (".html", ".txt")
    ),
    ids=str,
)
def test_no_word_of_a_template_is_left_unmarked(path):
    source = (ROOT / path).read_text()
    # Text between tags and the attributes people read (alt, title, aria-label, placeholder).
    outside = JINJA.sub(" ", source)
    attributes = " ".join(READ_ATTRIBUTES.findall(outside))
    text = TAG.sub(" ", outside).replace("&nbsp;", " ")
    assert _words_left(text + " " + attributes) == [], "mark them with _()"
    # String literals inside {{ }} that read as words, not passed through _() or ngettext.
    for expression in re.findall(r"\{\{(.*?)\}\}", source, re.S):
        rest = MARKED.sub("", expression)
        for literal in LITERAL.findall(rest):
            if literal.startswith("<") or not re.search(r"[A-Za-z]{2,} [A-Za-z]", literal):
                continue
            pytest.fail(f"{path}: unmarked words in {{{{ {expression.strip()} }}}}: {literal!r}")
