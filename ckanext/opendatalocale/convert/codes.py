"""Code columns: what a table's codes and labels say about each other, and what a field's example says.

Three kinds of evidence that headers alone do not give, none of them tied to
one schema:

* **shape of the example**: a field whose example is a bare number ("02",
  "45421") does not take a column of words, and the other way round;
* **code hierarchy**: when, on almost every row, the value of column A is the
  start of the value of column B (604 / 6042), both hold codes of one
  nomenclature and A is the coarser one. Codes are not quantities, and the
  coarser code goes to the field the schema describes as a grouping
  (chapitre, rubrique, famille…);
* **labels follow their code**: a schema pairs a code field and its label
  field by name (``X`` / ``X_LABEL``, ``X_CODE`` / ``X_NOM``); a table's label
  column names the code column it describes ("Libellé article" for
  "Article par nature") or stands right after it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from . import text
from .cells import cell_text

CODE = re.compile(r"[0-9A-Za-z]{1,12}")
GROUPING_WORDS = frozenset({"chapitre", "rubrique", "famille", "categorie", "groupe", "regroupement"})
LABEL_WORDS = frozenset({"libelle", "label", "intitule", "nom", "designation"})
CODE_WORDS = frozenset({"code", "identifiant", "numero"})
HIERARCHY_SHARE = 0.9


# --------------------------------------------------------------------------- shapes


def shape(value: str) -> str | None:
    """``digits`` (a bare number or code), ``words`` (letters, no digit), ``mixed``, or None when blank."""
    value = value.strip()
    if not value:
        return None
    if value.replace(" ", "").isdigit():
        return "digits"
    if not any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
        return "words"
    return "mixed"


def example_shape(descriptor: dict[str, Any]) -> str | None:
    """The shape of a field's example (``example``, or ``examples`` as SCDL budget spells it)."""
    example = descriptor.get("example", descriptor.get("examples"))
    examples = example if isinstance(example, list) else [example]
    shapes = {shape(str(e)) for e in examples if e not in (None, "")}
    return shapes.pop() if len(shapes) == 1 else None


def shape_share(values: Iterable[Any], wanted: str) -> float:
    """The share of non-blank values of shape ``wanted``."""
    shapes = [s for s in (shape(cell_text(v)) for v in values) if s]
    return sum(1 for s in shapes if s == wanted) / len(shapes) if shapes else 0.0


def contradicts_example(expected: str | None, values: Iterable[Any]) -> bool:
    """Most values are words where the example is a number, or numbers where it is words."""
    if expected not in ("digits", "words"):
        return False
    return shape_share(values, "words" if expected == "digits" else "digits") >= 0.8


# --------------------------------------------------------------------------- hierarchy


def hierarchy(rows: list[list[Any]], width: int) -> list[tuple[int, int]]:
    """(coarser column, finer column) pairs: codes of the first start the codes of the second."""
    texts = [[cell_text(row[i]) if i < len(row) else "" for row in rows] for i in range(width)]
    coded = [i for i in range(width) if texts[i] and sum(1 for t in texts[i] if CODE.fullmatch(t))
             >= HIERARCHY_SHARE * len(texts[i]) and len(set(texts[i])) >= 2]
    pairs = []
    for a in coded:
        for b in coded:
            both = [(x, y) for x, y in zip(texts[a], texts[b]) if x and y]
            if a != b and both and sum(1 for x, y in both if len(y) > len(x) and y.startswith(x)) \
                    >= HIERARCHY_SHARE * len(both):
                pairs.append((a, b))
    return pairs


def is_grouping(descriptor: dict[str, Any]) -> bool:
    words = text.terms(f"{descriptor.get('title') or ''} {descriptor.get('description') or ''}")
    return bool(GROUPING_WORDS & set(words))


def order_by_hierarchy(descriptors: dict[str, dict], chosen: dict[str, int],
                       pairs: list[tuple[int, int]]) -> dict[str, int]:
    """Give the coarser of two related code columns to the field described as a grouping."""
    field_of = {index: name for name, index in chosen.items()}
    chosen = dict(chosen)
    for coarse, fine in pairs:
        a, b = field_of.get(coarse), field_of.get(fine)
        if a and b and is_grouping(descriptors[b]) and not is_grouping(descriptors[a]):
            chosen[a], chosen[b] = fine, coarse
            field_of[coarse], field_of[fine] = b, a
    return chosen


# --------------------------------------------------------------------------- labels


def label_pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    """(code field, label field) pairs of a schema, told by their names."""
    terms = {name: text.terms(name, is_name=True) for name in names}
    pairs = []
    for label, words in terms.items():
        if len(words) < 2 or words[-1] not in LABEL_WORDS:
            continue
        for code, code_words in terms.items():
            if code != label and (code_words == words[:-1] or (
                    code_words[:-1] == words[:-1] and code_words and code_words[-1] in CODE_WORDS)):
                pairs.append((code, label))
    return pairs


def _described(header: str, candidates: dict[int, str], index: int) -> int | None:
    """The code column a label column describes: named in its header, else the column just before it."""
    rest = set(text.terms(header)) - LABEL_WORDS
    named = [i for i, h in candidates.items() if rest and rest <= set(text.terms(h))]
    if len(named) == 1:
        return named[0]
    return index - 1 if not named and index - 1 in candidates else None


def labels_follow_codes(headers: list[str], chosen: dict[str, int], pairs: list[tuple[str, str]]) -> dict[str, int]:
    """Give each label field the label column of its code field's column (a permutation, or nothing)."""
    pairs = [(c, lab) for c, lab in pairs if c in chosen and lab in chosen]
    if len(pairs) < 2:
        return chosen
    codes = {chosen[c]: c for c, _lab in pairs}
    label_columns = [chosen[lab] for _c, lab in pairs]
    described = {col: _described(headers[col], {i: headers[i] for i in codes}, col) for col in label_columns}
    wanted = {lab: next((col for col in label_columns if described[col] == chosen[c]), None) for c, lab in pairs}
    if None in wanted.values() or len(set(wanted.values())) != len(wanted):
        return chosen
    return {**chosen, **wanted}
