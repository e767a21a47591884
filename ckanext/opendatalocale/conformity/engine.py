"""Validate a table against a Table Schema with Validata's rules, in one streaming pass.

Validata (validata-table 0.12.5) reads the whole file, re-wraps it for
frictionless 5 with ``schema_sync`` and runs its custom checks as frictionless
row callbacks. The engine keeps those verdicts but drives the row pass itself:

* columns are matched by name; a missing *required* column is a
  ``missing-label`` error, a missing optional, an extra or a misplaced column
  only a warning;
* cells are read with frictionless's semantics (:mod:`.fields`), giving the
  same ``type-error`` / ``constraint-error`` / ``missing-cell`` /
  ``extra-cell`` / ``blank-row`` / ``unique-error`` findings;
* every custom check of the schema runs on each row (:mod:`.checks`);
* rows are streamed, only the first ``max_errors`` errors are kept (all are
  counted), and caps on bytes, rows, columns and time end the check with
  status "error" and a reason instead of exhausting the host.
"""
from __future__ import annotations

import operator
import time
from collections import Counter
from typing import Any, BinaryIO, Mapping

from frictionless import FrictionlessException, Schema

from . import checks as custom_checks
from .messages import CONSTRAINT_TEXT, TYPE_EXPECTED
from .fields import ValueReader, compile_value_reader, missing_values_of
from .readers import EncodingRetry, Limits, ReadFailure, Table, open_source, open_table
from .report import Finding, Report, SourceInfo

ENGINE_VERSION = "1.0.0"
TIME_CHECK_EVERY = 1024

__all__ = ["ENGINE_VERSION", "Limits", "Report", "SchemaPlan", "validate"]


class SchemaPlan:
    """Everything derived from the schema once: fields, readers, checks."""

    def __init__(self, descriptor: Mapping[str, Any]):
        clean = {k: v for k, v in descriptor.items() if k != "custom_checks"}
        try:
            self.schema = Schema.from_descriptor(clean)
        except FrictionlessException as exc:
            raise ReadFailure("invalid-schema", note=_frictionless_note(exc)) from exc
        except Exception as exc:
            raise ReadFailure("invalid-schema", note=str(exc)) from exc
        self.fields = {f.name: f for f in self.schema.fields}
        self.field_order = [f.name for f in self.schema.fields]
        self.required = [f.name for f in self.schema.fields if f.constraints.get("required")]
        schema_missing = list(self.schema.missing_values)
        self.missing_values = {f.name: missing_values_of(f, schema_missing) for f in self.schema.fields}
        self.schema_missing = schema_missing
        self.unique = [f.name for f in self.schema.fields if f.constraints.get("unique")]
        self.check_declarations = custom_checks.declarations(descriptor)
        self.field_types = {f.name: (f.type, f.format) for f in self.schema.fields}
        self.field_constraints = {f.name: dict(f.constraints) for f in self.schema.fields}
        self.boolean_values = {
            f.name: list(f.true_values) + list(f.false_values) for f in self.schema.fields if f.type == "boolean"
        }


def _frictionless_note(exc: FrictionlessException) -> str:
    reasons = getattr(exc, "reasons", None) or []
    notes = [getattr(r, "note", "") or getattr(r, "message", "") for r in reasons]
    return "; ".join(n for n in notes if n) or str(exc)


def validate(
    source: bytes | BinaryIO | str | Any,
    schema_descriptor: Mapping[str, Any],
    *,
    schema_name: str | None = None,
    schema_version: str | None = None,
    limits: Limits = Limits(),
    max_errors: int = 100,
    observer: Any = None,
    plan: SchemaPlan | None = None,
) -> Report:
    """Check ``source`` (bytes, a binary stream or a local path) against a Table Schema.

    Never raises on bad input: unreadable files, invalid schemas and caps give
    a report with status "error" and the reason in ``report.fatal``.

    ``observer`` (optional) sees the pass row by row, for callers that keep the rows
    (territorial consolidation): ``observer.finding(finding, file_level)`` for every
    error, detailed or not, ``observer.header(labels)`` once the header is usable and
    ``observer.row(row_number, values, raw)`` after each row. ``plan`` (optional) is the
    :class:`SchemaPlan` of ``schema_descriptor``, for callers checking many files.
    """
    started = time.monotonic()

    def new_report() -> Report:
        return Report(schema_name=schema_name, schema_version=schema_version,
                      engine_version=ENGINE_VERSION, max_errors=max_errors)

    report = new_report()
    stream = None
    must_close = False
    try:
        plan = plan or SchemaPlan(schema_descriptor)
        stream, size, must_close = open_source(source, limits)
        encoding: str | None = None
        lossy = False
        for _attempt in range(4):
            try:
                table = open_table(stream, limits, encoding=encoding, lossy=lossy)
                report.source = SourceInfo(format=table.format, encoding=table.encoding,
                                           delimiter=table.delimiter, bytes=size, sheet=table.sheet)
                _Pass(plan, table, report, limits, started, observer).run()
                break
            except EncodingRetry as retry:
                # A decoding error past the sample: start again with the next encoding.
                encoding, lossy = retry.encoding, retry.lossy
                stream.seek(0)
                report = new_report()
    except ReadFailure as failure:
        report.fail(Finding("error", failure.code, params=dict(failure.params)))
    except MemoryError:
        report.fail(Finding("error", "too-large", params={"limit": limits.max_bytes}))
    except Exception as exc:  # a report, never a crash, whatever the input
        report.fail(Finding("error", "internal-error", params={"note": f"{type(exc).__name__}: {exc}"}))
    finally:
        if must_close and stream is not None:
            stream.close()
    report.duration = time.monotonic() - started
    report.finish()
    return report


class _Pass:
    """One streaming pass over a table."""

    def __init__(self, plan: SchemaPlan, table: Table, report: Report, limits: Limits, started: float,
                 observer: Any = None):
        self.plan = plan
        self.table = table
        self.report = report
        self.limits = limits
        self.started = started
        self.observer = observer
        self.file_level = True  # header and whole-file findings, as opposed to a row's

    # ----------------------------------------------------------------- errors

    def error(self, error_type: str, row: int | None, column: str | None, value: Any = None,
              code: str = "", **params: Any) -> None:
        report = self.report
        if self.observer is not None:
            found = Finding(error_type, code, row, column, None if value is None else str(value), None, params)
            self.observer.finding(found, self.file_level)
            if len(report.errors) < report.max_errors:
                report.add_error(found)
                return
        if len(report.errors) >= report.max_errors:
            # Past the detailed list only the counters move: no object built.
            report.error_count += 1
            report.counts_by_type[error_type] += 1
            if column:
                report.counts_by_column[column] += 1
            return
        report.add_error(Finding(error_type, code, row, column, None if value is None else str(value), None, params))

    def finding(self, finding: Finding) -> None:
        report = self.report
        if self.observer is not None:
            self.observer.finding(finding, self.file_level)
        if len(report.errors) >= report.max_errors:
            report.error_count += 1
            report.counts_by_type[finding.type] += 1
            if finding.column:
                report.counts_by_column[finding.column] += 1
            if finding.check:
                report.counts_by_check[finding.check] += 1
            return
        report.add_error(finding)

    # ----------------------------------------------------------------- header

    def read_header(self) -> list[str] | None:
        try:
            header = next(self.table.rows)
        except StopIteration:
            raise ReadFailure("empty-file")
        labels = [str(label).strip() for label in header]
        if labels and labels[0].startswith("\ufeff"):
            labels[0] = labels[0][1:].strip()
        if len(labels) > self.limits.max_columns:
            raise ReadFailure("too-many-columns", count=len(labels), limit=self.limits.max_columns)
        if not any(labels):
            raise ReadFailure("empty-file")
        self.report.header = labels
        return labels

    def check_header(self, labels: list[str]) -> bool:
        """Header findings; False when rows cannot be matched to columns."""
        plan = self.plan
        duplicates = sorted(label for label, n in Counter(labels).items() if n > 1)
        if duplicates:
            # frictionless refuses to match columns by name with duplicate labels;
            # Validata reports a single error. The file cannot conform.
            self.error("duplicate-label", 1, None, code="duplicate-labels",
                       labels=", ".join(d or "(vide)" for d in duplicates))
            return False
        present = set(labels)
        fields = plan.field_order
        if fields and not present.intersection(fields):
            self.error("unmatched-header", 1, None)
        for name in fields:
            if name not in present:
                if name in plan.required:
                    self.error("missing-label", 1, name)
                else:
                    self.report.add_warning(Finding("warning", "missing-optional-column", column=name))
        for label in labels:
            if label not in plan.fields:
                self.report.add_warning(Finding("warning", "extra-column", column=label or "(vide)"))
        matched = [label for label in labels if label in plan.fields]
        expected = [name for name in fields if name in present]
        if matched != expected:
            self.report.add_warning(Finding("warning", "unordered-columns", params={"order": ", ".join(fields)}))
        return True

    # ----------------------------------------------------------------- messages

    def type_params(self, column: str) -> dict[str, Any]:
        ftype, fmt = self.plan.field_types[column]
        expected = TYPE_EXPECTED.get(ftype, {"fr": f"une valeur qui n'est pas de type {ftype}",
                                             "en": f"a value that is not of type {ftype}"})
        values = " / ".join(self.plan.boolean_values.get(column, []))
        shown_format = fmt if fmt not in (None, "default") else ("AAAA-MM-JJ" if ftype == "date" else fmt)
        expected = {lang: text.replace("{values}", values).replace("{format}", str(shown_format))
                    for lang, text in expected.items()}
        return {"expected": expected, "field_type": ftype}

    def constraint_params(self, column: str, name: str) -> dict[str, Any]:
        limit = self.plan.field_constraints[column].get(name)
        if isinstance(limit, list):
            limit = ", ".join(str(v) for v in limit)
        fr, en = CONSTRAINT_TEXT.get(name, (name, name))
        return {"constraint": {"fr": fr.format(limit=limit), "en": en.format(limit=limit)}, "constraint_name": name}

    # ----------------------------------------------------------------- rows

    def run(self) -> None:
        labels = self.read_header()
        if labels is None or not self.check_header(labels):
            self.drain_count()
            return
        if self.observer is not None:
            self.observer.header(labels)
        plan, limits, report = self.plan, self.limits, self.report
        width = len(labels)
        sink: list[tuple[int, tuple[str, ...]]] = []
        readers: list[ValueReader] = []
        for position, label in enumerate(labels):
            if label in plan.fields:
                readers.append(compile_value_reader(plan.fields[label], plan.missing_values[label], position, sink))
            else:
                readers.append(compile_any_reader(plan.schema_missing))
        call = operator.call
        index: dict[str, int] = {}
        for position, label in enumerate(labels):
            index.setdefault(label, position)
        built, failed = custom_checks.build_all(plan.check_declarations)
        for name, reason in failed:
            self.error("check-error", None, None, code="check-error", check=name, note=reason)
        for check in built:
            check.bind(index)
        unique_positions = [(index[name], name) for name in plan.unique if name in index]
        unique_seen: dict[int, dict[Any, int]] = {pos: {} for pos, _ in unique_positions}
        required_positions = {i for i, label in enumerate(labels) if label in plan.required}
        pad = [None] * width
        lossy = self.table.lossy
        lossy_rows = 0
        lossy_first: int | None = None
        max_rows = limits.max_rows
        deadline = self.started + limits.max_seconds
        monotonic = time.monotonic
        error = self.error
        finding = self.finding
        row_number = 1
        first = True
        active_checks = list(built)
        observe_row = self.observer.row if self.observer is not None else None
        self.file_level = False

        for raw in self.table.rows:
            row_number += 1
            count = row_number - 1
            if count > max_rows:
                report.rows_checked = count - 1
                raise ReadFailure("too-many-rows", limit=max_rows, row=row_number)
            if not count % TIME_CHECK_EVERY and monotonic() > deadline:
                report.rows_checked = count - 1
                raise ReadFailure("timeout", limit=limits.max_seconds, row=row_number)

            values = list(map(call, readers, raw))
            n = len(raw)
            if n < width:
                values.extend(pad[n:])
                for position in range(n, width):
                    if position in required_positions:
                        sink.append((position, ("required",)))
            problems_at = sink or None

            blank = values[0] is None and values.count(None) == width and not (
                problems_at and any("type" in p for _, p in problems_at)
            )
            if blank:
                error("blank-row", row_number, None)
            else:
                if problems_at is not None:
                    for position, problems in problems_at:
                        column = labels[position]
                        cell = raw[position] if position < n else None
                        for problem in problems:
                            if problem == "type":
                                error("type-error", row_number, column, cell, **self.type_params(column))
                            else:
                                error("constraint-error", row_number, column, cell,
                                      **self.constraint_params(column, problem))
                if n > width:
                    for position in range(width, n):
                        error("extra-cell", row_number, None, raw[position], position=position + 1)
                elif n < width:
                    for position in range(n, width):
                        error("missing-cell", row_number, labels[position])
                for position, name in unique_positions:
                    value = values[position]
                    if value is None:
                        continue
                    seen = unique_seen[position]
                    try:
                        key = hash((value.__class__.__name__, value))
                    except TypeError:
                        key = hash(repr(value))
                    previous = seen.get(key)
                    if previous is not None:
                        error("unique-error", row_number, name, raw[position], first_row=previous)
                    seen[key] = row_number

            if problems_at is not None:
                sink.clear()

            if lossy and any("\ufffd" in cell for cell in raw):
                lossy_rows += 1
                if lossy_first is None:
                    lossy_first = row_number

            if active_checks:
                if first:
                    self.file_level = True
                    for check in active_checks:
                        for found in check.start(row_number):
                            finding(found)
                    active_checks = [c for c in active_checks if not c.stopped]
                    self.file_level = False
                for check in active_checks:
                    found = check.row(values, raw, row_number)
                    if found is not None:
                        finding(found)
            first = False
            if observe_row is not None:
                observe_row(row_number, values, raw)

        report.rows_checked = row_number - 1
        self.file_level = True
        if lossy_first is not None:
            error("encoding-error", lossy_first, None, encoding=self.table.encoding, rows=lossy_rows)
        if self.table.sheet is None and self.table.extras.get("sheet"):
            report.source.sheet = self.table.extras["sheet"]

    def drain_count(self) -> None:
        """Count rows (under the caps) when they cannot be checked."""
        count = 0
        deadline = self.started + self.limits.max_seconds
        for _ in self.table.rows:
            count += 1
            if count > self.limits.max_rows or (not count % TIME_CHECK_EVERY and time.monotonic() > deadline):
                break
        self.report.rows_checked = count


def compile_any_reader(missing_values: list[str]) -> ValueReader:
    """Columns outside the schema: frictionless reads them as type "any"."""
    missing = frozenset(missing_values)
    return lambda cell: None if str(cell) in missing else cell
