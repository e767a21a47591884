"""Suggest a schema field for every column: header words and content, then one assignment.

For each (column, field) pair a confidence in 0..1 combines:

* the header's similarity to the field's name, title and description
  (:mod:`.text`: case, accents, word order, abbreviations, units);
* the column's content against the field: the share of sample values its
  normaliser converts without a problem, weighted by how telling the field's
  rules are (a SIRET check or an enum says much, a free-text field nothing),
  and a penalty when a column of dates, SIRETs or numbers would land in a
  free-text field. A field whose rules the content breaks cannot win on its
  header alone, so content overrules a misleading header.

Columns then get fields by an optimal assignment over the whole table (two
columns competing for one field: the one that fits best overall wins, the
other falls to its next field), refined by the schema's own multi-column
checks (``VOTE_REEL = POUR + CONTRE + ABSTENTION`` tells which count is which).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from itertools import combinations
from typing import Any, Mapping as TMapping

from ckanext.opendatalocale.conformity.checks import canonical_name, declarations

from . import codes, normalise, text
from .tables import Table, is_blank

MIN_CONFIDENCE = 0.34
CONTENT_SAMPLE = 200
CANDIDATES = 5
# Ordinary values of office tables: a field that accepts them all says nothing about a column.
PROBES = ("ok", "Ville de Test", "à vérifier", "12", "2024", "Association sportive", "Rue du Port",
          "Dupont", "B", "3,5")


@dataclass
class ColumnSuggestion:
    index: int
    header: str
    samples: list[str]
    candidates: list[tuple[str, float]]
    field: str | None = None
    confidence: float = 0.0
    kind: str = "text"  # what the values look like: siret, date, number, email, url, text, empty

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "header": self.header, "samples": self.samples,
                "candidates": [{"field": f, "confidence": c} for f, c in self.candidates],
                "field": self.field, "confidence": self.confidence, "kind": self.kind}


@dataclass
class Mapping:
    columns: list[ColumnSuggestion]
    missing_required: list[str] = dc_field(default_factory=list)
    field_order: list[str] = dc_field(default_factory=list)

    @property
    def unmapped_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None]

    @property
    def fields(self) -> dict[str, int]:
        """Field name -> column index."""
        return {c.field: c.index for c in self.columns if c.field}

    def set_field(self, header_or_index: str | int, field_name: str | None) -> None:
        """Change one column's field (the UI's select); a field keeps one column."""
        for column in self.columns:
            if field_name and column.field == field_name:
                column.field, column.confidence = None, 0.0
        for column in self.columns:
            if column.header == header_or_index or column.index == header_or_index:
                column.field = field_name
                column.confidence = dict(column.candidates).get(field_name, 1.0) if field_name else 0.0
        self.refresh_missing(self._required)

    _required: list[str] = dc_field(default_factory=list, repr=False)

    def refresh_missing(self, required: list[str]) -> None:
        self._required = list(required)
        mapped = set(self.fields)
        self.missing_required = [f for f in required if f not in mapped]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns], "unmapped_columns": self.unmapped_columns,
                "missing_required": list(self.missing_required)}


# --------------------------------------------------------------------------- schema side


def field_checks(schema: TMapping[str, Any]) -> dict[str, set[str]]:
    """Field name -> names of the single-column custom checks declared on it."""
    found: dict[str, set[str]] = {}
    for declaration in declarations(schema):
        column = (declaration.params or {}).get("column")
        if isinstance(column, str):
            found.setdefault(column, set()).add(canonical_name(declaration.name))
    return found


class FieldProfile:
    def __init__(self, descriptor: TMapping[str, Any], checks: set[str]):
        self.descriptor = descriptor
        self.name = str(descriptor.get("name"))
        self.type = descriptor.get("type") or "string"
        self.checks = checks
        constraints = descriptor.get("constraints") or {}
        self.required = bool(constraints.get("required"))
        self.name_terms = text.terms(self.name, is_name=True)
        self.title_terms = text.terms(str(descriptor.get("title") or ""))
        description = str(descriptor.get("description") or "")
        self.description_terms = text.terms(" ".join(description.split()[:40]))
        self.strength = self._strength()
        self.soft_values = normalise.implied_values(descriptor) if not constraints.get("enum") else []
        self.units = text.units(f"{descriptor.get('title') or ''} {description}")
        self.example_shape = codes.example_shape(dict(descriptor)) if self.type == "string" else None

    def _strength(self) -> float:
        """How much passing this field's rules says about a column: the share of
        ordinary spreadsheet values (names, notes, small numbers) its rules refuse."""
        convert = normalise.compile_field(self.descriptor, self.checks)
        refused = sum(1 for probe in PROBES if convert(probe)[1] is not None)
        return round(refused / len(PROBES), 2)


# --------------------------------------------------------------------------- column side

_KINDS = (
    ("siret", lambda s: re.fullmatch(r"\d{14}", re.sub(r"[\s.]", "", s)) is not None),
    ("date", lambda s: normalise.parse_moment(s) is not None and not s.isdigit()),
    ("number", lambda s: normalise.parse_number(s) is not None),
    ("email", lambda s: re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", s) is not None),
    ("url", lambda s: re.match(r"(?i)(https?://|www\.)", s) is not None),
)


def column_kind(values: list[Any]) -> str:
    """What a column holds when most of its values agree: siret, date, number, email, url or text."""
    if not values:
        return "empty"
    for kind, test in _KINDS:
        hits = 0
        for value in values:
            if kind == "date" and isinstance(value, (normalise.date, normalise.datetime)):
                hits += 1
            elif kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
                hits += 1
            elif test(normalise.cell_text(value)):
                hits += 1
        if hits >= 0.9 * len(values):
            return kind
    return "text"


def content_score(profile: FieldProfile, values: list[Any], kind: str) -> tuple[float, float]:
    """(score 0..1, weight) of a column's values for a field."""
    if not values:
        return 0.5, 0.0
    convert = normalise.compile_field(profile.descriptor, profile.checks, values)
    passed = sum(1 for value in values if convert(value)[1] is None)
    rate = passed / len(values)
    if profile.strength:
        if profile.type in ("number", "integer") and kind in ("siret", "date", "code"):
            rate *= 0.3  # identifiers, dates and codes of a nomenclature parse as numbers too, but are none
        if codes.contradicts_example(profile.example_shape, values):
            rate *= 0.5  # words where the field's example is a bare code, or the other way round
        if profile.type in ("string",) and kind == "number" and profile.checks & {"siret", "siren"} == set() \
                and not (profile.descriptor.get("constraints") or {}).get("enum"):
            rate *= 0.9
        return rate, profile.strength
    if profile.soft_values:
        keys = {normalise.enum_key(v) for v in profile.soft_values}
        hits = sum(1 for v in values if normalise.enum_key(normalise.cell_text(v)) in keys)
        if hits >= 0.8 * len(values):
            return 1.0, 0.8
    if kind in ("siret", "date", "email", "url"):
        return 0.1, 0.8  # such columns do not hold names or free text
    if kind == "text" and profile.example_shape == "words" and codes.shape_share(values, "words") >= 0.8:
        return 0.75, 0.2  # words like the field's example: a little more than any text
    if kind in ("number", "code"):
        return 0.5, 0.15  # numbers are common in text fields (street numbers, codes)
    return 0.6, 0.15


def header_score(header: str, profile: FieldProfile, vocabulary: text.Vocabulary) -> float:
    words = text.terms(header)
    if not words:
        return 0.0
    if text.fold(header).replace(" ", "") == text.fold(profile.name).replace(" ", ""):
        return 1.0
    score = max(
        text.similarity(words, profile.name_terms, vocabulary),
        text.similarity(words, profile.title_terms, vocabulary),
        0.6 * text.coverage(words, profile.description_terms, vocabulary),
    )
    header_units = text.units(header)
    if header_units:
        if header_units & profile.units or (profile.type in ("number", "integer") and "euro" in header_units):
            score = min(1.0, score + 0.15)
        elif profile.type not in ("number", "integer"):
            score *= 0.6
    return score


def combine(header: float, content: float, weight: float, required: bool = False) -> float:
    score = (header + weight * content) / (1 + weight) + (0.02 if required else 0.0)
    if (weight >= 0.5 and content < 0.5) or (weight > 0 and content < 0.8):
        score *= content + 0.2  # the content breaks the field's rules: the header cannot carry it
    return round(min(1.0, max(0.0, score)), 3)


# --------------------------------------------------------------------------- assignment


def assign(scores: list[list[float]]) -> list[int | None]:
    """Best total assignment of rows to columns (Hungarian method); row -> column or None.

    ``scores[r][c]`` is a gain; pairs under :data:`MIN_CONFIDENCE` never match.
    """
    n_rows = len(scores)
    n_cols = len(scores[0]) if n_rows else 0
    if not n_rows or not n_cols:
        return [None] * n_rows
    transposed = n_rows > n_cols
    gain = [list(r) for r in zip(*scores)] if transposed else scores
    n, m = len(gain), len(gain[0])
    cost = [[0.0] + [-(g if g >= MIN_CONFIDENCE else 0.0) for g in row] for row in gain]
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    match: list[int | None] = [None] * n
    for j in range(1, m + 1):
        if p[j] and gain[p[j] - 1][j - 1] >= MIN_CONFIDENCE:
            match[p[j] - 1] = j - 1
    if not transposed:
        return match
    result: list[int | None] = [None] * n_rows
    for col, row in enumerate(match):
        if row is not None:
            result[row] = col
    return result


def _check_groups(schema: TMapping[str, Any]) -> list[list[str]]:
    """Fields tied by a multi-column check (compare, sum): their order can be told from the data."""
    groups = []
    for declaration in declarations(schema):
        params = declaration.params or {}
        name = canonical_name(declaration.name)
        if name == "compare-columns-value":
            groups.append([params.get("column"), params.get("column2")])
        elif name == "sum-columns-value":
            groups.append([params.get("column"), *(params.get("columns") or [])])
    return [[f for f in g if isinstance(f, str)] for g in groups]


def _checks_passed(schema: TMapping[str, Any], by_field: dict[str, int], rows: list[list[Any]]) -> int:
    """Rows passing the compare/sum checks under one assignment (numbers only)."""
    import operator

    ops = {">": operator.gt, ">=": operator.ge, "==": operator.eq, "<=": operator.le, "<": operator.lt}

    def number(row: list[Any], name: str) -> float | None:
        index = by_field.get(name)
        if index is None or index >= len(row):
            return None
        parsed = normalise.parse_number(row[index])
        try:
            return float(parsed[0]) if parsed else None
        except ValueError:
            return None

    passed = 0
    for declaration in declarations(schema):
        params, name = declaration.params or {}, canonical_name(declaration.name)
        for row in rows:
            if name == "compare-columns-value" and params.get("op") in ops:
                a, b = number(row, params.get("column")), number(row, params.get("column2"))
                if a is not None and b is not None and ops[params["op"]](a, b):
                    passed += 1
            elif name == "sum-columns-value":
                total = number(row, params.get("column"))
                parts = [number(row, c) for c in params.get("columns") or []]
                if total is not None and None not in parts and abs(total - sum(parts)) < 1e-6:
                    passed += 1
    return passed


def _refine_with_checks(schema, profiles, chosen: dict[str, int], rows: list[list[Any]]) -> dict[str, int]:
    """Swap two columns between fields of a compare/sum check when the data then passes it more often."""
    tied = {f for group in _check_groups(schema) for f in group if f in chosen}
    if len(tied) < 2 or not rows:
        return chosen
    best = _checks_passed(schema, chosen, rows)
    improved = True
    while improved:
        improved = False
        for a, b in combinations(sorted(tied), 2):
            if profiles[a].type != profiles[b].type:
                continue
            trial = dict(chosen)
            trial[a], trial[b] = chosen[b], chosen[a]
            score = _checks_passed(schema, trial, rows)
            if score > best:
                chosen, best, improved = trial, score, True
    return chosen


# --------------------------------------------------------------------------- entry point


def profiles_of(schema: TMapping[str, Any]) -> dict[str, FieldProfile]:
    checks = field_checks(schema)
    return {str(f.get("name")): FieldProfile(f, checks.get(str(f.get("name")), set()))
            for f in schema.get("fields") or []}


def score_columns(table: Table, schema: TMapping[str, Any], profiles: dict[str, FieldProfile],
                  indexes: list[int] | None = None) -> dict[int, dict[str, float]]:
    """Column index -> {field: confidence} for the given columns (all by default)."""
    vocabulary = text.Vocabulary(p.name_terms + p.title_terms + p.description_terms for p in profiles.values())
    result = {}
    coded = {i for pair in codes.hierarchy(table.sample[:CONTENT_SAMPLE], len(table.headers)) for i in pair}
    for index in (range(len(table.headers)) if indexes is None else indexes):
        values = table.column_sample(index)[:CONTENT_SAMPLE]
        kind = "code" if index in coded else column_kind(values)
        row = {}
        for name, profile in profiles.items():
            content, weight = content_score(profile, values, kind)
            row[name] = combine(header_score(table.headers[index], profile, vocabulary), content, weight,
                                profile.required)
        result[index] = row
    return result


def suggest(table: Table, schema: TMapping[str, Any], *, fixed: dict[str, int] | None = None,
            scores: dict[int, dict[str, float]] | None = None) -> Mapping:
    """A field (or none) for every column of ``table``; ``fixed`` field -> column are kept as given."""
    profiles = profiles_of(schema)
    names = list(profiles)
    scores = scores if scores is not None else score_columns(table, schema, profiles)
    fixed = dict(fixed or {})
    taken_columns = set(fixed.values())
    free_columns = [i for i in range(len(table.headers)) if i not in taken_columns]
    free_fields = [n for n in names if n not in fixed]
    matrix = [[scores[i][n] for n in free_fields] for i in free_columns]
    chosen = dict(fixed)
    for position, target in enumerate(assign(matrix) if free_fields else [None] * len(free_columns)):
        if target is not None:
            chosen[free_fields[target]] = free_columns[position]
    chosen = _refine_with_checks(schema, profiles, chosen, table.sample[:CONTENT_SAMPLE])
    free = {name: index for name, index in chosen.items() if name not in fixed}
    free = codes.order_by_hierarchy({n: dict(p.descriptor) for n, p in profiles.items()}, free,
                                    codes.hierarchy(table.sample[:CONTENT_SAMPLE], len(table.headers)))
    chosen.update(codes.labels_follow_codes(table.headers, free, codes.label_pairs(free_fields)))
    by_column = {index: name for name, index in chosen.items()}
    columns = []
    for index, header in enumerate(table.headers):
        ranked = sorted(scores[index].items(), key=lambda kv: -kv[1])[:CANDIDATES] if index in scores else []
        field_name = by_column.get(index)
        samples = []
        for value in table.column_sample(index):
            shown = normalise.cell_text(value)
            if shown not in samples:
                samples.append(shown)
            if len(samples) >= 5:
                break
        confidence = scores.get(index, {}).get(field_name, 1.0) if field_name else 0.0
        kind = column_kind(table.column_sample(index)[:CONTENT_SAMPLE])
        columns.append(ColumnSuggestion(index, header, samples, ranked, field_name, confidence, kind))
    mapping = Mapping(columns, field_order=names)
    mapping.refresh_missing([n for n, p in profiles.items() if p.required])
    return mapping


def is_empty_column(table: Table, index: int) -> bool:
    return all(is_blank(row[index]) for row in table.sample if index < len(row))
