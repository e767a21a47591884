"""Read one source into rows of the schema's latest version: the pure core of consolidation
(no CKAN import).

The conformity engine checks the file against the *latest* version of its schema, row by
row (:func:`~ckanext.opendatalocale.conformity.engine.validate` with an observer): valid rows
are kept, cell texts laid out in the latest field order; invalid rows become rejects with the
engine's reasons; a file-level failure (unreadable file, required column absent) rejects the
whole file with its reason. The registry's version diff says what carrying a row from the
declared version to the latest means: fields dropped, fields left empty, fields whose rules
changed (their values are checked against the latest rules), and required fields the older
version does not have (its rows cannot be carried: nothing is guessed)."""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any, Sequence

from ckanext.opendatalocale.conformity.engine import SchemaPlan, validate
from ckanext.opendatalocale.conformity.readers import Limits, ReadFailure
from ckanext.opendatalocale.conformity.report import Finding
from ckanext.opendatalocale.scdl.registry import Registry, SchemaEntry

Bilingual = dict[str, str]
# Findings that say nothing about a row's content.
SKIPPED_TYPES = {"blank-row"}


@dataclass(frozen=True)
class CarryPlan:
    """How rows declared in ``source`` version reach ``latest``."""

    latest: SchemaEntry
    source: SchemaEntry
    dropped: tuple[str, ...] = ()   # fields of the older version the latest no longer has
    emptied: tuple[str, ...] = ()   # optional fields the latest added: left empty
    blocking: tuple[str, ...] = ()  # required fields the latest added: rows cannot be carried
    changed: tuple[str, ...] = ()   # fields whose type or constraints changed

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The latest version's primary key, or every field (exact duplicates) without one."""
        primary = self.latest.descriptor.get("primaryKey")
        if isinstance(primary, str):
            primary = [primary]
        return tuple(primary or self.latest.field_names)

    def notes(self) -> list[Bilingual]:
        if self.source.version == self.latest.version:
            return []
        versions = f"{self.source.version} → {self.latest.version}"
        notes = []
        if self.dropped:
            names = ", ".join(self.dropped)
            notes.append({"fr": f"Version {versions} : colonnes sans équivalent, non reprises : {names}.",
                          "en": f"Version {versions}: columns with no counterpart, not carried: {names}."})
        if self.emptied:
            names = ", ".join(self.emptied)
            notes.append({"fr": f"Version {versions} : colonnes nouvelles laissées vides : {names}.",
                          "en": f"Version {versions}: new columns left empty: {names}."})
        if self.blocking:
            names = ", ".join(self.blocking)
            notes.append({"fr": f"Version {versions} : colonnes obligatoires absentes de l'ancienne version "
                                f"({names}) : ses lignes ne peuvent pas être reprises.",
                          "en": f"Version {versions}: required columns the older version lacks ({names}): "
                                f"its rows cannot be carried."})
        if self.changed:
            names = ", ".join(self.changed)
            notes.append({"fr": f"Version {versions} : règles modifiées ({names}), valeurs vérifiées selon "
                                f"la dernière version.",
                          "en": f"Version {versions}: rules changed ({names}), values checked against the "
                                f"latest version."})
        return notes


def carry_plan(registry: Registry, name: str, version: str | None) -> CarryPlan:
    """The plan from ``version`` (None: the latest) to the latest, from the registry's diff.
    Raises :class:`~ckanext.opendatalocale.scdl.registry.UnknownSchema`."""
    latest = registry.get(name)
    source = registry.get(name, version) if version else latest
    if source.version == latest.version:
        return CarryPlan(latest=latest, source=source)
    diff = latest.changes_from(source)
    required = set(latest.required_fields)
    return CarryPlan(
        latest=latest, source=source, dropped=tuple(diff.removed),
        emptied=tuple(f for f in diff.added if f not in required),
        blocking=tuple(f for f in diff.added if f in required),
        changed=tuple(c.name for c in diff.changed
                      if any(k == "type" or k == "format" or k.startswith("constraints.") for k in c.changes)))


@dataclass
class Reject:
    row_number: int | None  # None: the whole file
    data: dict[str, str]
    reason: Bilingual


@dataclass
class SourceRows:
    """What one source gives the consolidated set."""

    kept: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, CSV line, key)
    rejects: list[Reject] = field(default_factory=list)
    rejected_rows: int = 0
    rows_read: int = 0
    failed: bool = False  # the file as a whole could not be carried
    notes: list[Bilingual] = field(default_factory=list)
    period: tuple[str, str] | None = None  # ISO dates: min and max of the first date field


def join_reasons(findings: Sequence[Finding]) -> Bilingual:
    seen: dict[str, str] = {}
    for finding in findings:
        message = finding.message
        seen.setdefault(message["fr"], message["en"])
    return {"fr": " ; ".join(seen), "en": "; ".join(seen.values())}


def row_key(cells: Sequence[str]) -> str:
    return hashlib.md5("\x1f".join(cells).encode("utf-8")).hexdigest()


class LineWriter:
    """Cells to one CSV line (no terminator), quoted as the csv module does: rows are stored
    as the text of the consolidated file, so exporting is writing them out."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="")

    def __call__(self, cells: Sequence[str]) -> str:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerow(cells)
        return buffer.getvalue()


def line_cells(line: str) -> list[str]:
    """The cells of a stored line."""
    return next(csv.reader([line]))


class _Collector:
    """Engine observer: keeps valid rows, turns invalid ones into rejects."""

    def __init__(self, plan: CarryPlan):
        self.plan = plan
        self.file_findings: list[Finding] = []
        self.row_findings: dict[int, list[Finding]] = {}
        self.result = SourceRows()
        self.labels: list[str] = []
        self.positions: list[int | None] = []
        self.key_positions: list[int] = []
        self.line = LineWriter()
        dates = [i for i, f in enumerate(plan.latest.fields) if f.get("type") in ("date", "datetime")]
        self.period_index = dates[0] if dates else None
        self.first = self.last = ""

    def header(self, labels: list[str]) -> None:
        self.labels = labels
        index: dict[str, int] = {}
        for position, label in enumerate(labels):
            index.setdefault(label, position)
        fields = self.plan.latest.field_names
        self.positions = [index.get(name) for name in fields]
        self.key_positions = [fields.index(name) for name in self.plan.key_fields if name in fields]

    def finding(self, finding: Finding, file_level: bool) -> None:
        if finding.type in SKIPPED_TYPES:
            return
        if file_level or finding.row is None:
            self.file_findings.append(finding)
        else:
            self.row_findings.setdefault(finding.row, []).append(finding)

    def row(self, row_number: int, values: list[Any], raw: list[str]) -> None:
        findings = self.row_findings.pop(row_number, None)
        if not any(cell.strip() if isinstance(cell, str) else cell is not None for cell in raw):
            return  # blank rows are layout, not data
        result = self.result
        result.rows_read += 1
        if findings:
            result.rejected_rows += 1
            data = {label or f"({i + 1})": _text(cell) for i, (label, cell) in enumerate(zip(self.labels, raw))}
            result.rejects.append(Reject(row_number, data, join_reasons(findings)))
            return
        n = len(raw)
        cells = [_text(raw[p]) if p is not None and p < n else "" for p in self.positions]
        key = row_key([cells[i] for i in self.key_positions])
        result.kept.append((row_number, self.line(cells), key))
        if self.period_index is not None:
            day = cells[self.period_index][:10]
            if len(day) == 10 and day[4] == "-":
                if not self.first or day < self.first:
                    self.first = day
                if day > self.last:
                    self.last = day


def _text(cell: Any) -> str:
    return cell if isinstance(cell, str) else ("" if cell is None else str(cell))


_PLANS: dict[tuple[str, str, int], SchemaPlan | None] = {}


def _schema_plan(entry: SchemaEntry) -> SchemaPlan | None:
    """One plan per schema version for all the files of a run (the engine builds one per file)."""
    key = (entry.name, entry.version, id(entry.descriptor))
    if key not in _PLANS:
        if len(_PLANS) > 64:
            _PLANS.clear()
        try:
            _PLANS[key] = SchemaPlan(entry.descriptor)
        except ReadFailure:
            _PLANS[key] = None  # validate() reports the invalid schema
    return _PLANS[key]


def read_source(source: Any, plan: CarryPlan, limits: Limits = Limits()) -> SourceRows:
    """Check ``source`` (bytes, stream or path) against the latest version and split its rows."""
    collector = _Collector(plan)
    latest = plan.latest
    report = validate(source, latest.descriptor, schema_name=latest.name, schema_version=latest.version,
                      limits=limits, max_errors=0, observer=collector,
                      plan=_schema_plan(latest))
    result = collector.result
    result.notes = plan.notes()
    if collector.first:
        result.period = (collector.first, collector.last)
    fatal = [report.fatal] if report.fatal is not None else []
    whole_file = fatal + [f for f in collector.file_findings if f.type != "encoding-error"]
    if whole_file:
        # The file cannot be carried as a whole: one reject line, with the rows it held.
        count = max(report.rows_checked, result.rows_read)
        reason = join_reasons(whole_file)
        counted = {"fr": f"{reason['fr']} ({count} lignes non reprises)",
                   "en": f"{reason['en']} ({count} rows not carried)"}
        result.kept, result.rejects = [], [Reject(None, {}, counted)]
        result.rejected_rows, result.rows_read, result.failed = count, count, True
    return result
