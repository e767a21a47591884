"""Conformity engine: Validata-grade Table Schema validation, pure Python (no CKAN import).

Public API::

    from ckanext.opendatalocale.conformity import validate, Limits, Report
    report = validate(data_or_stream_or_path, schema_descriptor,
                      schema_name="scdl/subventions", schema_version="2.1.1")
    report.status            # "valid" | "invalid" | "error"
    report.to_dict()         # JSON-serialisable, messages in French and English
"""
from .engine import ENGINE_VERSION, validate
from .readers import Limits
from .report import STATUS_ERROR, STATUS_INVALID, STATUS_VALID, Finding, Report

__all__ = [
    "ENGINE_VERSION",
    "Finding",
    "Limits",
    "Report",
    "STATUS_ERROR",
    "STATUS_INVALID",
    "STATUS_VALID",
    "validate",
]
