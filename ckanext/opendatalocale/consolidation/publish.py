"""Publish a consolidated set as a CKAN dataset of the territory's organisation: the CSV (the
latest version's columns, then the provenance columns), the reject file, the schema declared
on the CSV; with the ``datastore`` plugin, the rows in the DataStore too, kept in step
incrementally (rows of changed sources deleted, rows that gained their place inserted)."""
from __future__ import annotations

import csv
import io
import json
import logging
import tempfile
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.scdl.registry import short_slug

from . import settings, store
from .carry import line_cells
from .jobs import CONTEXT_FLAG
from .run import CONSOLIDATED_EXTRA, SetOutcome

log = logging.getLogger(__name__)

# (CSV and DataStore column, description): appended after the schema's columns.
PROVENANCE_COLUMNS = (
    ("prov_siren", "SIREN de la collectivité à qui la ligne est attribuée"),
    ("prov_collectivite", "Nom de cette collectivité"),
    ("prov_jeu_donnees", "Identifiant du jeu de données source sur ce portail"),
    ("prov_ressource", "Identifiant de la ressource source"),
    ("prov_ligne", "Numéro de la ligne dans le fichier source (l'en-tête est la ligne 1)"),
    ("prov_version_schema", "Version du schéma déclarée par la ressource source"),
    ("prov_date_lecture", "Date et heure (UTC) de la lecture du fichier source"),
)
REJECT_COLUMNS = ("prov_siren", "prov_collectivite", "prov_jeu_donnees", "prov_ressource", "prov_ligne",
                  "prov_version_schema", "motif", "reason", "ligne_source")
DATASTORE_TYPES = {"integer": "int", "number": "numeric", "date": "date", "year": "int"}


def _context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"ignore_auth": True, "user": site_user["name"], CONTEXT_FLAG: True}


def dataset_name(territory: dict[str, Any], schema_name: str) -> str:
    return f"{short_slug(schema_name)}-consolide-{territory['slug']}"[:100].strip("-")


def _notes(entry: Any, territory: dict[str, Any]) -> str:
    columns = "\n".join(f"- `{name}` : {text}" for name, text in PROVENANCE_COLUMNS)
    return (
        f"Jeu consolidé du territoire {territory['name']} pour le schéma « {entry.label.get('fr', entry.title)} » "
        f"({entry.name}), version {entry.version}. Il réunit les lignes valides de toutes les ressources "
        f"publiques de ce schéma publiées pour les collectivités du territoire (déposées ou moissonnées, "
        f"CSV, XLSX ou ODS). Les lignes d'anciennes versions du schéma sont reprises dans la dernière "
        f"quand les colonnes se correspondent ; les lignes non conformes sont écartées dans le fichier des "
        f"rejets, avec leur motif ; les doublons sont retirés.\n\n"
        f"Colonnes de provenance, ajoutées après celles du schéma :\n\n{columns}\n")


def publish(territory: dict[str, Any], outcome: SetOutcome) -> None:
    """Create or refresh the dataset; never lets a publication problem fail the run."""
    the_set = outcome.set
    org_ids = territory.get("organization_ids") or []
    if not org_ids:
        return  # no organisation to publish under: the set stays readable through store.rows
    first = not the_set["dataset_id"] or not _exists(the_set["dataset_id"])
    if not (first or outcome.changed):
        return
    try:
        _publish(territory, outcome, org_ids[0], first)
    except (tk.ValidationError, tk.ObjectNotFound) as error:
        log.error("Consolidated dataset of %s %s not published: %s", territory["slug"], the_set["schema_name"],
                  getattr(error, "error_dict", error))
        model.Session.rollback()


def _exists(dataset_id: str) -> bool:
    found = model.Package.get(dataset_id)
    return found is not None and found.state == "active"


def _publish(territory: dict[str, Any], outcome: SetOutcome, org_id: str, first: bool) -> None:
    from ckanext.opendatalocale.scdl.utils import registry

    the_set = outcome.set
    entry = registry().get(the_set["schema_name"])
    name = dataset_name(territory, entry.name)
    action = tk.get_action
    if first:
        existing = model.Package.get(name)
        fields = {"name": name, "title": f"{entry.label.get('fr', entry.title)} — consolidé — {territory['name']}",
                  "owner_org": org_id, "notes": _notes(entry, territory), "private": False,
                  "extras": [{"key": CONSOLIDATED_EXTRA, "value": f"{territory['slug']} {entry.name}"}]}
        if existing is not None:
            dataset = action("package_patch")(_context(), {"id": existing.id, **fields, "state": "active"})
        else:
            dataset = action("package_create")(_context(), fields)
    else:
        dataset = action("package_show")(_context(), {"id": the_set["dataset_id"]})
    resources = {r.get("odl_consolidation_part"): r for r in dataset.get("resources", [])}
    csv_file = _csv_file(model.Session.connection(), the_set, entry)
    csv_resource = _upload(resources.get("csv"), dataset["id"], csv_file, f"{name}.csv", {
        "name": f"{entry.label.get('fr', entry.title)} — {territory['name']} (consolidé)",
        "description": "Lignes valides consolidées ; colonnes de provenance préfixées « prov_ ».",
        "format": "CSV", "schema_name": entry.name, "schema_version": entry.version,
        "odl_consolidation_part": "csv"}, stored_file_url(territory, entry.name))
    rejects_file = tempfile.TemporaryFile()
    write_rejects_csv(model.Session.connection(), the_set["id"], rejects_file)
    rejects_file.seek(0)
    reject_resource = _upload(resources.get("rejects"), dataset["id"], rejects_file, f"{name}-rejets.csv", {
        "name": "Lignes écartées (rejets) et leur motif", "format": "CSV",
        "description": "Une ligne par ligne source non conforme (ou par fichier illisible), avec le motif.",
        "odl_consolidation_part": "rejects"}, stored_file_url(territory, entry.name, rejects=True))
    store.set_publication(model.Session.connection(), the_set["id"], dataset_id=dataset["id"], dataset_name=dataset["name"],
                          csv_resource_id=csv_resource["id"], reject_resource_id=reject_resource["id"])
    model.Session.commit()
    if p.plugin_loaded("datastore"):
        new_table = first or outcome.full or the_set["csv_resource_id"] != csv_resource["id"]
        load_datastore({**the_set, "csv_resource_id": csv_resource["id"]}, entry, outcome, new_table)


def max_upload_bytes() -> int:
    return int(tk.config.get("ckan.max_resource_size") or 10) * 1024 * 1024


def stored_file_url(territory: dict[str, Any], schema_name: str, rejects: bool = False) -> str:
    """The dashboard address that serves the stored set (the job's output, never a download)."""
    site = (tk.config.get("ckan.site_url") or "").rstrip("/")
    return f"{site}/territoire/{territory['slug']}/consolide/{short_slug(schema_name)}.csv" + (
        "?rejets=1" if rejects else "")


def _upload(current: dict[str, Any] | None, dataset_id: str, data: Any, filename: str, fields: dict[str, Any],
            link: str) -> dict[str, Any]:
    """Upload the file; past the portal's ``ckan.max_resource_size``, link the address that
    serves the stored set instead (same content, made on request from the tables)."""
    from werkzeug.datastructures import FileStorage

    size = data.seek(0, 2)
    data.seek(0)
    if size > max_upload_bytes():
        data.close()
        values = {"url": link, "url_type": "", "clear_upload": True, **fields}
    else:
        values = {"url": filename, "upload": FileStorage(data, filename, "upload", content_type="text/csv"), **fields}
    try:
        if current is None:
            return tk.get_action("resource_create")(_context(), {"package_id": dataset_id, **values})
        return tk.get_action("resource_patch")(_context(), {"id": current["id"], **values})
    finally:
        data.close()


def header(entry: Any) -> list[str]:
    return list(entry.field_names) + [name for name, _ in PROVENANCE_COLUMNS]


def _csv_file(conn: Any, the_set: dict[str, Any], entry: Any) -> Any:
    out = tempfile.TemporaryFile()
    out.write((",".join(header(entry)) + "\r\n").encode("utf-8"))
    store.write_winners_csv(conn, the_set["id"], out)
    out.seek(0)
    return out


def write_rejects_csv(conn: Any, set_id: str, out: Any) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(REJECT_COLUMNS)
    for item in store.rejects_of(conn, set_id):
        writer.writerow([item["siren"] or "", item["collectivite"] or "", item["package_id"], item["resource_id"],
                         item["row_number"] or "", item["source_version"] or "", item["reason"]["fr"],
                         item["reason"]["en"], json.dumps(item["data"], ensure_ascii=False) if item["data"] else ""])
    text.detach()


# --------------------------------------------------------------------------- DataStore

def datastore_fields(entry: Any) -> list[dict[str, Any]]:
    fields = [{"id": f["name"], "type": DATASTORE_TYPES.get(f.get("type"), "text"),
               "info": {"label": f.get("title") or f["name"], "notes": f.get("description") or ""}}
              for f in entry.fields]
    for name, text in PROVENANCE_COLUMNS:
        fields.append({"id": name, "type": "int" if name == "prov_ligne" else "text",
                       "info": {"label": name, "notes": text}})
    return fields


def _record(entry: Any, item: dict[str, Any]) -> dict[str, Any]:
    cells = line_cells(item["line"])
    typed = store.typed(entry.name, entry.version, cells)
    record: dict[str, Any] = {}
    for f, cell in zip(entry.fields, cells):
        name = f["name"]
        if f.get("type") in DATASTORE_TYPES:
            value = typed.get(name)
            record[name] = value.isoformat() if hasattr(value, "isoformat") else (
                None if value is None else str(value) if not isinstance(value, int) else value)
        else:
            record[name] = cell if cell != "" else None
    record.update({"prov_siren": item["siren"], "prov_collectivite": item["collectivite"],
                   "prov_jeu_donnees": item["package_id"], "prov_ressource": item["resource_id"],
                   "prov_ligne": item["row_number"], "prov_version_schema": item["source_version"],
                   "prov_date_lecture": item["read_at"].replace(microsecond=0).isoformat()})
    return record


def _insert(resource_id: str, entry: Any, set_id: str, **which: Any) -> None:
    """Insert kept rows (``which``: as :func:`store.winners_of`), read on a connection of their
    own: the DataStore calls may end the session's transaction."""
    batch: list[dict[str, Any]] = []
    size = settings.datastore_batch()
    upsert = tk.get_action("datastore_upsert")
    with model.meta.engine.connect() as conn:
        for item in store.winners_of(conn, set_id, **which):
            batch.append(_record(entry, item))
            if len(batch) >= size:
                upsert(_context(), {"resource_id": resource_id, "records": batch, "method": "insert", "force": True})
                batch = []
    if batch:
        upsert(_context(), {"resource_id": resource_id, "records": batch, "method": "insert", "force": True})


def load_datastore(the_set: dict[str, Any], entry: Any, outcome: SetOutcome, new_table: bool) -> None:
    """Whole table on a first or full run; otherwise only what moved."""
    resource_id = the_set["csv_resource_id"]
    delete = tk.get_action("datastore_delete")
    if new_table:
        try:
            delete(_context(), {"resource_id": resource_id, "force": True})
        except tk.ObjectNotFound:
            pass
        tk.get_action("datastore_create")(_context(), {"resource_id": resource_id, "force": True,
                                                       "fields": datastore_fields(entry)})
        _insert(resource_id, entry, the_set["id"])
    else:
        # Rows of the sources read again or gone leave; the rows that took a place, and the
        # new rows of the sources read again, come in (kept rows never lose their place).
        removed = sorted(outcome.changed_resources)
        if removed:
            delete(_context(), {"resource_id": resource_id, "force": True,
                                "filters": {"prov_ressource": removed}})
        back = [pair for pair in outcome.gained if pair[0] not in outcome.changed_resources]
        if back:
            _insert(resource_id, entry, the_set["id"], pairs=back)
        _insert(resource_id, entry, the_set["id"], resource_ids=outcome.changed_resources)
    _ensure_view(resource_id)


def _ensure_view(resource_id: str) -> None:
    """CKAN's table preview on the DataStore rows, when its plugin is enabled."""
    if not p.plugin_loaded("datatables_view"):
        return
    views = tk.get_action("resource_view_list")(_context(), {"id": resource_id})
    if not any(v["view_type"] == "datatables_view" for v in views):
        tk.get_action("resource_view_create")(_context(), {"resource_id": resource_id, "view_type": "datatables_view",
                                                           "title": "Tableau"})
