"""Harvest-side adapters of the SCDL detector (:mod:`ckanext.opendatalocale.scdl.detect`).

Each turns what one kind of source says about a dataset or resource into a
:class:`DetectionInput`. Pure Python, no CKAN import. The detector's names are
re-exported here for the harvesters.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from ckanext.opendatalocale.scdl.detect import (  # noqa: F401 - re-exported for the harvesters
    DECLARED,
    HEADER,
    METADATA_URL,
    Detection,
    DetectionInput,
    HeaderMatch,
    detect,
    is_false_positive,
    match_columns,
    normalize_name,
    sniff_csv_header,
)

# --------------------------------------------------------------------------- source adapters

def _strings(values: Iterable[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and v.strip()]


def describe_datagouv_resource(resource: Mapping[str, Any],
                               dataset: Mapping[str, Any] | None = None) -> DetectionInput:
    """A data.gouv.fr (udata API v1) resource, optionally with its dataset."""
    declared: list[Any] = []
    schema = resource.get("schema")
    if isinstance(schema, Mapping) and any(schema.get(k) for k in ("name", "url")):
        declared.append(dict(schema))
    extras = resource.get("extras") or {}
    # data.gouv.fr's own validation says which schema it checked the file against.
    report_name = extras.get("validation-report:schema_name")
    if isinstance(report_name, str) and report_name:
        declared.append({"name": report_name, "version": extras.get("validation-report:schema_version")})
    dataset = dataset or {}
    if isinstance(dataset.get("schema"), Mapping):
        declared.append(dict(dataset["schema"]))
    texts = _strings([resource.get("title"), resource.get("description"),
                      dataset.get("title"), dataset.get("description")])
    texts += _strings(dataset.get("tags") or [])
    return DetectionInput(declared=declared, texts=texts)


def describe_ods_dataset(dataset: Mapping[str, Any]) -> DetectionInput:
    """An OpenDataSoft dataset (Explore v2.1 item, or the inner ``dataset`` of v2.0)."""
    dataset = dataset.get("dataset", dataset) if isinstance(dataset.get("dataset"), Mapping) else dataset
    texts: list[str] = []
    declared: list[Any] = []
    metas = dataset.get("metas") or {}
    for template, values in metas.items():
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            items = value if isinstance(value, list) else [value]
            if key.lower() in ("conformsto", "conforms_to", "dct:conformsto"):
                declared.extend(v for v in items if v)
            else:
                texts.extend(_strings(items))
    columns: list[tuple[str, ...]] = []
    for item in dataset.get("fields") or []:
        if isinstance(item, Mapping):
            names = tuple(_strings([item.get("label"), item.get("name")]))
            if names:
                columns.append(names)
    return DetectionInput(declared=declared, texts=texts, columns=columns)


def describe_ckan_resource(resource: Mapping[str, Any],
                           package: Mapping[str, Any] | None = None) -> DetectionInput:
    """A CKAN resource (ckanext-validation ``schema``, DCAT ``conforms_to``)."""
    declared: list[Any] = []
    for source in (resource, package or {}):
        for key in ("schema", "conforms_to"):
            value = source.get(key)
            if isinstance(value, str) and value.strip().startswith("["):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            if isinstance(value, list):
                declared.extend(v for v in value if v)
            elif value:
                declared.append(value)
        for extra in source.get("extras") or []:
            if isinstance(extra, Mapping) and extra.get("key") in ("schema", "conforms_to") and extra.get("value"):
                declared.append(extra["value"])
    package = package or {}
    texts = _strings([resource.get("name"), resource.get("description"), resource.get("url"),
                      package.get("title"), package.get("notes"), package.get("url")])
    return DetectionInput(declared=declared, texts=texts)
