"""Build the suite's gettext catalogue.

Messages are extracted from the Python code and templates into the template
``i18n/ckanext-opendatalocale.pot``; French translations live in
``i18n/fragments/<feature>.fr.po`` (one file per feature, so features can be
translated independently; the fragments are sources and do not ship). This
script merges them into ``i18n/fr/LC_MESSAGES/ckanext-opendatalocale.po``,
compiles the ``.mo`` CKAN loads, and with ``--check`` fails when a message has
no French translation or a committed file is stale.

    python scripts/build_i18n.py            # write the .po and .mo
    python scripts/build_i18n.py --check    # fail if a message is untranslated or the files are stale
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib
from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ckanext" / "opendatalocale"
I18N = ROOT / "i18n"
DOMAIN = "ckanext-opendatalocale"
METHOD_MAP = [
    ("**/tests/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "ckan.lib.extract:extract_ckan"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "ungettext": (1, 2)}


def extract() -> dict[tuple[str, str | None], list[str]]:
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), METHOD_MAP, keywords=KEYWORDS):
        if isinstance(message, tuple):
            key = (message[0], message[1])
        else:
            key = (message, None)
        if key[0]:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def load_translations() -> dict[str, polib.POEntry]:
    entries: dict[str, polib.POEntry] = {}
    for fragment in sorted((I18N / "fragments").glob("*.fr.po")):
        for entry in polib.pofile(str(fragment)):
            if entry.msgstr or entry.msgstr_plural:
                entries[entry.msgid] = entry
    return entries


def _translations(catalogue: polib.POFile) -> dict[str, object]:
    return {e.msgid: (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in catalogue}


METADATA = {
    "Project-Id-Version": DOMAIN,
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
}


def template(messages: dict[tuple[str, str | None], list[str]]) -> polib.POFile:
    """The .pot: every message of the code, without translations."""
    pot = polib.POFile()
    pot.metadata = dict(METADATA)
    for (msgid, plural), places in sorted(messages.items()):
        entry = polib.POEntry(msgid=msgid, occurrences=[tuple(p.rsplit(":", 1)) for p in places[:3]])
        if plural:
            entry.msgid_plural = plural
            entry.msgstr_plural = {0: "", 1: ""}
        pot.append(entry)
    return pot


def build(check: bool) -> int:
    messages = extract()
    translations = load_translations()
    catalogue = polib.POFile()
    catalogue.metadata = {**METADATA, "Language": "fr", "Plural-Forms": "nplurals=2; plural=(n > 1);"}
    missing = []
    for (msgid, plural), places in sorted(messages.items()):
        known = translations.get(msgid)
        entry = polib.POEntry(msgid=msgid, occurrences=[tuple(p.rsplit(":", 1)) for p in places[:3]])
        if plural:
            entry.msgid_plural = plural
            entry.msgstr_plural = dict(known.msgstr_plural) if known and known.msgstr_plural else {}
            if not entry.msgstr_plural:
                missing.append(msgid)
        else:
            entry.msgstr = known.msgstr if known else ""
            if not entry.msgstr:
                missing.append(msgid)
        catalogue.append(entry)
    # Strings built at run time (schema labels, engine messages) may be listed
    # in fragments without appearing in the source: keep them too.
    for msgid, known in translations.items():
        if not any(msgid == key[0] for key in messages):
            catalogue.append(known)
    target = I18N / "fr" / "LC_MESSAGES"
    pot_file = I18N / f"{DOMAIN}.pot"
    pot = template(messages)
    if check:
        committed = target / f"{DOMAIN}.po"
        if not committed.exists() or _translations(polib.pofile(str(committed))) != _translations(catalogue):
            print("The French catalogue is out of date: run python scripts/build_i18n.py",
                  file=sys.stderr)
            return 1
        if not pot_file.exists() or {e.msgid for e in polib.pofile(str(pot_file))} != {e.msgid for e in pot}:
            print(f"{pot_file.name} is out of date: run python scripts/build_i18n.py", file=sys.stderr)
            return 1
    else:
        pot.save(str(pot_file))
        target.mkdir(parents=True, exist_ok=True)
        catalogue.save(str(target / f"{DOMAIN}.po"))
        catalogue.save_as_mofile(str(target / f"{DOMAIN}.mo"))
    if missing:
        print(f"{len(missing)} message(s) without a French translation:", file=sys.stderr)
        for msgid in missing:
            print(f"  {msgid!r}", file=sys.stderr)
        return 1 if check else 0
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    sys.exit(build(parser.parse_args().check))
