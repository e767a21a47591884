"""The validation report: a plain, JSON-serialisable record of one check.

Error *types* are Validata's (``type-error``, ``constraint-error``,
``custom-check-error``, ``one-of-required``…) so counts compare one to one
with validata-table's reports; ``check`` names the custom check behind a
``custom-check-error`` (``siret``, ``code-commune-insee``…), since Validata
folds every frformat-backed check into that one type.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import messages

STATUS_VALID = "valid"
STATUS_INVALID = "invalid"
STATUS_ERROR = "error"
STATUSES = (STATUS_VALID, STATUS_INVALID, STATUS_ERROR)

REPORT_FORMAT = "opendatalocale-conformity-report/1"


@dataclass
class Finding:
    """One error or warning, located where a spreadsheet user would look."""

    type: str
    code: str = ""
    row: int | None = None
    column: str | None = None
    value: str | None = None
    check: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.code:
            self.code = self.type

    @property
    def message(self) -> messages.Bilingual:
        params = {"row": self.row, "column": self.column, "value": messages.quote_value(self.value)}
        params.update(self.params)
        return messages.render(self.code, params)

    @property
    def hint(self) -> messages.Bilingual:
        return messages.hint(self.type, self.check)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "code": self.code}
        for key in ("row", "column", "value", "check"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.params:
            data["params"] = self.params
        data["message"] = self.message
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        return cls(
            type=data["type"],
            code=data.get("code", ""),
            row=data.get("row"),
            column=data.get("column"),
            value=data.get("value"),
            check=data.get("check"),
            params=dict(data.get("params") or {}),
        )


@dataclass
class SourceInfo:
    """What was detected about the file."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    bytes: int | None = None
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Report:
    status: str = STATUS_VALID
    schema_name: str | None = None
    schema_version: str | None = None
    engine_version: str = ""
    duration: float = 0.0
    rows_checked: int = 0
    header: list[str] = field(default_factory=list)
    source: SourceInfo = field(default_factory=SourceInfo)
    error_count: int = 0
    counts_by_type: Counter = field(default_factory=Counter)
    counts_by_column: Counter = field(default_factory=Counter)
    counts_by_check: Counter = field(default_factory=Counter)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    fatal: Finding | None = None
    max_errors: int = 100

    # ----------------------------------------------------------------- building

    def add_error(self, finding: Finding) -> None:
        """Count every error; keep the details of the first ``max_errors``."""
        self.error_count += 1
        self.counts_by_type[finding.type] += 1
        if finding.column:
            self.counts_by_column[finding.column] += 1
        if finding.check:
            self.counts_by_check[finding.check] += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(finding)

    def add_warning(self, finding: Finding) -> None:
        self.warnings.append(finding)

    def fail(self, finding: Finding) -> None:
        """The file could not be checked to the end: status "error"."""
        self.fatal = finding
        self.status = STATUS_ERROR

    def finish(self) -> None:
        if self.status != STATUS_ERROR:
            self.status = STATUS_INVALID if self.error_count else STATUS_VALID
            if not self.rows_checked and not any(w.code == "no-data-row" for w in self.warnings):
                # Conformant, but there is nothing in it: the badge may say so, the report must.
                self.warnings.insert(0, Finding("warning", "no-data-row"))

    # ----------------------------------------------------------------- reading

    @property
    def valid(self) -> bool:
        return self.status == STATUS_VALID

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    @property
    def summary(self) -> messages.Bilingual:
        if self.status == STATUS_ERROR and self.fatal is not None:
            return self.fatal.message
        if self.status == STATUS_VALID and not self.rows_checked:
            return messages.render("no-data-row")
        if self.status == STATUS_VALID:
            return {"fr": f"Le fichier est conforme au schéma ({self.rows_checked} lignes vérifiées).",
                    "en": f"The file conforms to the schema ({self.rows_checked} rows checked)."}
        return {"fr": f"Le fichier n'est pas conforme au schéma : {self.error_count} erreur(s) sur {self.rows_checked} lignes.",
                "en": f"The file does not conform to the schema: {self.error_count} error(s) in {self.rows_checked} rows."}

    def hints(self) -> dict[str, messages.Bilingual]:
        """One "what to fix" hint per error type present."""
        out: dict[str, messages.Bilingual] = {}
        checks_by_type = {f.type: f.check for f in self.errors}
        for error_type in self.counts_by_type:
            out[error_type] = messages.hint(error_type, checks_by_type.get(error_type))
        if self.fatal is not None:
            out.setdefault(self.fatal.type, messages.hint(self.fatal.type))
        return out

    # ----------------------------------------------------------------- JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "status": self.status,
            "valid": self.valid,
            "summary": self.summary,
            "schema": {"name": self.schema_name, "version": self.schema_version},
            "engine_version": self.engine_version,
            "duration": round(self.duration, 4),
            "rows_checked": self.rows_checked,
            "header": list(self.header),
            "source": self.source.to_dict(),
            "error_count": self.error_count,
            "counts": {
                "by_type": dict(self.counts_by_type),
                "by_column": dict(self.counts_by_column),
                "by_check": dict(self.counts_by_check),
            },
            "errors": [e.to_dict() for e in self.errors],
            "errors_truncated": self.truncated,
            "warnings": [w.to_dict() for w in self.warnings],
            "fatal": self.fatal.to_dict() if self.fatal else None,
            "hints": self.hints(),
            "max_errors": self.max_errors,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        counts = data.get("counts") or {}
        schema = data.get("schema") or {}
        return cls(
            status=data["status"],
            schema_name=schema.get("name"),
            schema_version=schema.get("version"),
            engine_version=data.get("engine_version", ""),
            duration=data.get("duration", 0.0),
            rows_checked=data.get("rows_checked", 0),
            header=list(data.get("header") or []),
            source=SourceInfo(**(data.get("source") or {})),
            error_count=data.get("error_count", 0),
            counts_by_type=Counter(counts.get("by_type") or {}),
            counts_by_column=Counter(counts.get("by_column") or {}),
            counts_by_check=Counter(counts.get("by_check") or {}),
            errors=[Finding.from_dict(e) for e in data.get("errors") or []],
            warnings=[Finding.from_dict(w) for w in data.get("warnings") or []],
            fatal=Finding.from_dict(data["fatal"]) if data.get("fatal") else None,
            max_errors=data.get("max_errors", 100),
        )
