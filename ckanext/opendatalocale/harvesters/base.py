"""The base of every OpenDataLocale harvester, on ckanext-harvest's HarvesterBase.

A subclass says how to list its source (:meth:`gather_records`, which must
raise on any failure so that a partial catalogue is never taken for the whole
one) and how one record becomes a CKAN dataset (:meth:`package_dict`). The
base does the rest, the same way for every kind of source:

* gather: config check, HTTP client, de-duplication by guid, and withdrawal
  orders for datasets gone from the source, only after a complete, non-empty
  gather; any exception is recorded as a bilingual gather error and nothing
  changes, so a job never stays "Running";
* import: sanitised text, attribution (``collectivites_siren``), SCDL
  detection on resources, a content hash so that an unchanged dataset is not
  rewritten, withdrawal per config (private, deletion after N days, keep).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit as tk
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError, HarvestObjectExtra

from ckanext.opendatalocale.harvesters import common
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord
from ckanext.opendatalocale.harvesters.packages import keep_resource_ids, scheming_fields, source_owner, unique_name
from ckanext.opendatalocale.http import HttpClient, seconds_text
from ckanext.opendatalocale.scdl.registry import get_registry

log = logging.getLogger(__name__)

HASH_KEY = "harvest_content_hash"
WITHDRAWN_KEY = "harvest_withdrawn_at"
GUID_KEY = "harvest_guid"
FINGERPRINT_KEY = "_fingerprint"
STATUS_DELETE = "delete"
PREVIEW_TIMEOUT_KEY = "ckanext.opendatalocale.harvest.preview_timeout"
PREVIEW_TIMEOUT_DEFAULT = 20.0


def bilingual(message: Mapping[str, str]) -> str:
    """French first, then English: what the harvest job pages show."""
    return f"{message['fr']}\n— {message['en']}"


def wrap(code: str, exc: BaseException, **params: Any) -> dict[str, str]:
    """Our message around the cause's, each language with its own."""
    cause = common.error_message(exc)
    return {lang: common.format_message(code, detail=cause[lang], **params)[lang] for lang in ("fr", "en")}


def preview_timeout() -> float | None:
    """Seconds a whole preview may take (config); None when 0 turns the limit off."""
    value = tk.config.get(PREVIEW_TIMEOUT_KEY)
    seconds = PREVIEW_TIMEOUT_DEFAULT if value is None or str(value).strip() == "" else float(value)
    return seconds if seconds > 0 else None


def _seconds_message(code: str, seconds: float) -> dict[str, str]:
    """A message about a duration, written "1,5 s" in French and "1.5 s" in English."""
    return {lang: common.format_message(code, seconds=seconds_text(seconds, lang))[lang] for lang in ("fr", "en")}


class PreviewTooSlow(Exception):
    """The preview deadline passed before the first dataset was read."""

    def __init__(self, seconds: float):
        self.message = _seconds_message("preview.too_slow", seconds)
        super().__init__(self.message["en"])


@dataclass
class Preview:
    """The first datasets of a source; ``stopped`` (bilingual) when the deadline cut the list short."""

    datasets: list[dict[str, Any]]
    stopped: dict[str, str] | None = None


class OpenDataLocaleHarvester(HarvesterBase):
    """Shared behaviour; subclasses set the class attributes and two methods."""

    kind = ""  # harvest_source_type written on datasets
    title = ""
    description = ""
    extra_keys: Mapping[str, str] = {}
    filter_keys: tuple[str, ...] = ()

    # ------------------------------------------------------------- IHarvester

    def info(self) -> dict[str, str]:
        return {"name": f"opendatalocale_{self.kind.replace('-', '_')}", "title": self.title,
                "description": self.description}

    def validate_config(self, config: str | None) -> str:
        try:
            self.parse_config(config)
        except common.ConfigError as exc:
            raise ValueError(bilingual(exc.message)) from exc
        return config or ""

    def get_original_url(self, harvest_object_id: str) -> str | None:
        obj = HarvestObject.get(harvest_object_id)
        if obj is None or not obj.content:
            return None
        try:
            return json.loads(obj.content).get("_remote_url")
        except ValueError:
            return None

    # ------------------------------------------------------------- per source kind
    # Subclasses define ``gather_records(url, config, client)`` (an iterable of
    # RemoteRecord; it raises on any failure, so a partial catalogue is never
    # taken for the whole one) and ``package_dict(record, config, client)``.

    def fetch_record(self, record: dict[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        """Extra download per dataset (files: the header); the default keeps the gathered record."""
        return record

    # ------------------------------------------------------------- helpers

    def parse_config(self, text: Any) -> HarvestConfig:
        return common.parse_config(text, self.extra_keys, self.filter_keys)

    def client(self, config: HarvestConfig) -> HttpClient:
        return common.client_for(config, tk.config)

    def preview(self, url: str, config_text: Any = None, limit: int = 10,
                timeout: float | None = None) -> Preview:
        """The first datasets a source would create, with their detected schemas (no DB writes).

        The whole preview is bounded by ``timeout`` seconds (None: the
        ``preview_timeout`` config; 0: no bound), since it runs in a web
        worker: past it no request starts and the one in flight is cut. The
        datasets read by then are returned with a ``stopped`` message; with
        none, :class:`PreviewTooSlow` is raised.
        """
        config = self.parse_config(config_text)
        seconds = preview_timeout() if timeout is None else (timeout if timeout > 0 else None)
        out = []
        with self.client(config) as client:
            client.set_deadline(seconds)
            try:
                for record in common.dedupe(self.gather_records(url, config, client)):
                    data = self.fetch_record(dict(record.data), config, client)
                    package = self.package_dict(data, config, client)
                    if client.deadline_hit:
                        # A download for this dataset was cut (and the error
                        # perhaps caught on the way): it may be incomplete.
                        break
                    out.append(self._preview_entry(record, package))
                    if len(out) >= limit:
                        break
            except Exception:
                if not client.deadline_hit:
                    raise
            if client.deadline_hit:
                if not out:
                    raise PreviewTooSlow(client.deadline_seconds)
                return Preview(out, _seconds_message("preview.stopped", client.deadline_seconds))
        return Preview(out)

    @staticmethod
    def _preview_entry(record: RemoteRecord, package: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "guid": record.guid, "title": package.get("title"), "remote_url": record.remote_url,
            "resources": [{"name": r.get("name"), "url": r.get("url"), "format": r.get("format"),
                           "schema_name": r.get("schema_name"), "schema_version": r.get("schema_version"),
                           "schema_detection": r.get("schema_detection")}
                          for r in package.get("resources", [])],
        }

    def _previous_objects(self, source_id: str) -> tuple[dict[str, HarvestObject], set[str]]:
        """guid -> current harvest object (with a package) of this source, and
        the ids of those packages that are active and public."""
        rows = (model.Session.query(HarvestObject, model.Package.state, model.Package.private)
                .outerjoin(model.Package, model.Package.id == HarvestObject.package_id)
                .filter(HarvestObject.harvest_source_id == source_id)
                .filter(HarvestObject.current == True)  # noqa: E712
                .filter(HarvestObject.package_id != None)  # noqa: E711
                .all())
        live = {obj.package_id for obj, state, private in rows if state == "active" and not private}
        return {obj.guid: obj for obj, _state, _private in rows}, live

    def _fingerprint(self, source: Any) -> str:
        """What, besides the record, shapes the dataset we write: the source
        config, the harvester and the schemas detection can find. A record
        gathered again with the same content and fingerprint is unchanged."""
        registry = get_registry()
        schemas = [(name, registry.versions(name)) for name in registry.names()]
        return common.content_hash({"kind": self.kind, "class": type(self).__name__,
                                    "config": source.config or "", "schemas": schemas})

    @staticmethod
    def _gather_error(job: Any, message: Mapping[str, str]) -> None:
        HarvestGatherError.create(bilingual(message), job)

    @staticmethod
    def _object_error(obj: HarvestObject, message: Mapping[str, str], stage: str = "Import") -> None:
        HarvestObjectError.create(bilingual(message), obj, stage)

    # ------------------------------------------------------------- gather

    def gather_stage(self, harvest_job: Any) -> list[str]:
        source = harvest_job.source
        try:
            config = self.parse_config(source.config)
            with self.client(config) as client:
                records: list[RemoteRecord] = []
                truncated = False
                for record in common.dedupe(self.gather_records(source.url, config, client)):
                    records.append(record)
                    if config.max_datasets is not None and len(records) >= config.max_datasets:
                        truncated = True
                        break
        except Exception as exc:  # noqa: BLE001 - every failure must end up in the job report
            log.warning("Gather failed for %s: %s", source.url, exc)
            self._gather_error(harvest_job, wrap("gather.failed", exc))
            return []

        previous, live = self._previous_objects(source.id)
        if not records and previous:
            self._gather_error(harvest_job, common.format_message("gather.empty", count=len(previous)))
            return []
        if truncated:
            self._gather_error(harvest_job, common.format_message("gather.truncated", limit=config.max_datasets))

        seen = {record.guid for record in records}
        vanished = {guid: obj for guid, obj in previous.items() if guid not in seen}
        # An id renamed at the source (same landing page, new guid) takes the
        # dataset over instead of creating a twin and withdrawing the original.
        by_url: dict[str, HarvestObject] = {}
        for guid, obj in vanished.items():
            url = self._object_remote_url(obj)
            if url:
                by_url[url] = obj
        fingerprint = self._fingerprint(source)
        now = dt.datetime.utcnow()
        queued: list[HarvestObject] = []
        for record in records:
            record.data["_remote_url"] = record.remote_url
            record.data[FINGERPRINT_KEY] = fingerprint
            content = json.dumps(record.data)
            old = previous.get(record.guid)
            if old is None and record.remote_url and record.remote_url in by_url:
                old = by_url.pop(record.remote_url)
                vanished.pop(old.guid, None)
            if old is not None and old.content == content and old.package_id in live:
                # Same record, same config and schemas as the last import that
                # wrote the (still published) dataset: nothing to fetch or
                # write. The object is recorded as done, so that the job
                # reports the dataset "not modified".
                old.current = False
                model.Session.add(HarvestObject(
                    guid=record.guid, job=harvest_job, source=source, content=content,
                    package_id=old.package_id, current=True, state="COMPLETE", report_status="not modified",
                    gathered=now, import_finished=now,
                    extras=[HarvestObjectExtra(key="status", value="unchanged")]))
                continue
            obj = HarvestObject(guid=record.guid, job=harvest_job, source=source, content=content)
            if old is not None:
                obj.package_id = old.package_id
            obj.extras = [HarvestObjectExtra(key="status", value="change" if old is not None else "new")]
            model.Session.add(obj)
            queued.append(obj)
        if not truncated:
            for guid, old in vanished.items():
                obj = HarvestObject(guid=guid, job=harvest_job, source=source, package_id=old.package_id,
                                    extras=[HarvestObjectExtra(key="status", value=STATUS_DELETE)])
                model.Session.add(obj)
                queued.append(obj)
        # One commit for the whole gather rather than one per object.
        model.Session.commit()
        return [obj.id for obj in queued]

    @staticmethod
    def _object_remote_url(obj: HarvestObject) -> str:
        try:
            return json.loads(obj.content or "{}").get("_remote_url") or ""
        except ValueError:
            return ""

    # ------------------------------------------------------------- fetch

    def fetch_stage(self, harvest_object: HarvestObject) -> bool:
        if self._status(harvest_object) == STATUS_DELETE:
            return True
        try:
            config = self.parse_config(harvest_object.source.config)
            data = json.loads(harvest_object.content)
            with self.client(config) as client:
                fetched = self.fetch_record(data, config, client)
            if fetched is not data:
                harvest_object.content = json.dumps(fetched)
                harvest_object.save()
            return True
        except Exception as exc:  # noqa: BLE001
            self._object_error(harvest_object, wrap("import.failed", exc, guid=harvest_object.guid), "Fetch")
            return False

    # ------------------------------------------------------------- import

    @staticmethod
    def _status(obj: HarvestObject) -> str:
        return next((e.value for e in obj.extras if e.key == "status"), "")

    def _context(self) -> dict[str, Any]:
        return {"model": model, "session": model.Session, "user": self._get_user_name(), "ignore_auth": True}

    def _existing(self, package_id: str | None) -> dict[str, Any] | None:
        if not package_id:
            return None
        try:
            return tk.get_action("package_show")(self._context() | {"for_update": True}, {"id": package_id})
        except tk.ObjectNotFound:
            return None

    def _make_current(self, obj: HarvestObject, package_id: str) -> None:
        """The object becomes the dataset's current one, in the session (not
        committed). Done *before* the dataset is written: ckanext-harvest's
        ``before_dataset_index`` indexes the dataset with the source and the
        object it finds current then (searches by source, the source page).
        The package of a dataset being created does not exist yet: the foreign
        key is checked at the commit, as ckanext-harvest's own harvesters do."""
        model.Session.query(HarvestObject).filter(HarvestObject.package_id == package_id).filter(
            HarvestObject.id != obj.id).update({"current": False}, synchronize_session=False)
        obj.package_id = package_id
        obj.current = True
        model.Session.add(obj)
        model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
        model.Session.flush()

    def import_stage(self, harvest_object: HarvestObject) -> bool | str:
        try:
            config = self.parse_config(harvest_object.source.config)
            if self._status(harvest_object) == STATUS_DELETE:
                return self._withdraw(harvest_object, config)
            record = json.loads(harvest_object.content)
            with self.client(config) as client:
                package = self.package_dict(record, config, client)
            return self._write(harvest_object, package, record, config)
        except tk.ValidationError as exc:
            model.Session.rollback()
            self._object_error(harvest_object, common.format_message(
                "import.invalid", guid=harvest_object.guid, detail=json.dumps(exc.error_dict, default=str)[:500]))
        except Exception as exc:  # noqa: BLE001
            log.exception("Import failed for %s", harvest_object.guid)
            model.Session.rollback()
            self._object_error(harvest_object, wrap("import.failed", exc, guid=harvest_object.guid))
        return False

    def _complete(self, package: dict[str, Any], record: Mapping[str, Any], config: HarvestConfig,
                  source: Any, guid: str) -> dict[str, Any]:
        """Shared fields: sanitised text, organisation, attribution, provenance."""
        package["title"] = common.sanitize_title(package.get("title")) or guid
        package["notes"] = common.sanitize_text(package.get("notes"))
        package["tags"] = [{"name": t} for t in common.clean_tags(package.pop("keywords", []))]
        for resource in package.get("resources", []):
            resource["name"] = common.sanitize_title(resource.get("name")) or resource.get("format") or ""
            resource["description"] = common.sanitize_text(resource.get("description"))
        publisher = package.pop("publisher_key", None) or ""
        owner = config.organisation_mapping.get(publisher) or source_owner(source)
        if owner:
            package["owner_org"] = owner
        sirens = list(config.sirens) + list(config.siren_mapping.get(publisher, ()))
        sirens += common.sirens_from(package.pop("siren_candidates", []))
        if not package.get("license_id"):
            package["license_id"] = config.default_license or "notspecified"
        extras = {
            "harvest_source_type": package.pop("harvest_source_type", self.kind),
            "remote_url": package.pop("remote_url", "") or record.get("_remote_url") or "",
            "collectivites_siren": json.dumps(list(dict.fromkeys(sirens))),
            GUID_KEY: guid,
        }
        for key, value in package.pop("extras_dict", {}).items():
            value = common.normalise_field(key, value)
            if value not in (None, ""):
                extras[key] = str(value)
        package["_extras"] = extras
        return package

    def _apply_extras(self, package: dict[str, Any], extras: Mapping[str, str]) -> None:
        """Scheming fields go top level, the rest into CKAN extras."""
        fields = scheming_fields()
        listed = []
        for key, value in extras.items():
            if key in fields:
                package[key] = json.loads(value) if key == "collectivites_siren" else value
            else:
                listed.append({"key": key, "value": value})
        package["extras"] = listed

    def _write(self, obj: HarvestObject, package: dict[str, Any], record: Mapping[str, Any],
               config: HarvestConfig) -> bool | str:
        source = obj.source
        package = self._complete(package, record, config, source, obj.guid)
        extras = package.pop("_extras")
        digest = common.content_hash({"package": package, "extras": extras})
        existing = self._existing(obj.package_id)
        if existing is not None and existing.get("state") == "deleted":
            existing = None
        if existing is not None:
            old = {e["key"]: e["value"] for e in existing.get("extras", [])}
            old.update({k: existing[k] for k in (HASH_KEY, WITHDRAWN_KEY) if existing.get(k)})
            if old.get(HASH_KEY) == digest and not old.get(WITHDRAWN_KEY):
                self._make_current(obj, existing["id"])
                model.Session.commit()
                return "unchanged"
        extras = dict(extras)
        extras[HASH_KEY] = digest
        self._apply_extras(package, extras)
        context = self._context()
        if existing is not None:
            package["id"] = existing["id"]
            package["name"] = existing["name"]
            package["private"] = False
            keep_resource_ids(package.get("resources") or [], existing.get("resources") or [])
            self._make_current(obj, package["id"])
            tk.get_action("package_update")(context, package)
        else:
            package["name"] = unique_name(package.get("name") or package["title"])
            package["id"] = str(uuid.uuid4())
            self._make_current(obj, package["id"])
            tk.get_action("package_create")(context, package)
        model.Session.commit()
        return True

    def _withdraw(self, obj: HarvestObject, config: HarvestConfig) -> bool | str:
        """A dataset gone from a completely gathered source."""
        existing = self._existing(obj.package_id)
        if existing is None or existing.get("state") == "deleted" or config.withdrawal.policy == "keep":
            if existing is not None and existing.get("state") != "deleted":
                self._make_current(obj, existing["id"])
                model.Session.commit()
            return "unchanged"
        extras = {e["key"]: e["value"] for e in existing.get("extras", [])}
        withdrawn_at = extras.get(WITHDRAWN_KEY) or existing.get(WITHDRAWN_KEY)
        now = dt.datetime.now(dt.timezone.utc)
        context = self._context()
        if config.withdrawal.policy == "delete" and withdrawn_at:
            since = dt.datetime.fromisoformat(withdrawn_at)
            if now - since >= dt.timedelta(days=config.withdrawal.days):
                return self._delete_withdrawn(obj, existing["id"], context)
        if withdrawn_at and existing.get("private"):
            self._make_current(obj, existing["id"])
            model.Session.commit()
            return "unchanged"
        if config.withdrawal.policy == "delete" and config.withdrawal.days == 0:
            return self._delete_withdrawn(obj, existing["id"], context)
        extras[WITHDRAWN_KEY] = now.isoformat()
        patch = {"id": existing["id"], "private": bool(existing.get("owner_org"))}
        fields = scheming_fields()
        if WITHDRAWN_KEY in fields:
            patch[WITHDRAWN_KEY] = extras[WITHDRAWN_KEY]
        else:
            patch["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        self._make_current(obj, existing["id"])
        tk.get_action("package_patch")(context, patch)
        model.Session.commit()
        return True

    @staticmethod
    def _delete_withdrawn(obj: HarvestObject, package_id: str, context: dict[str, Any]) -> bool:
        """Delete the dataset; none of its harvest objects stays current."""
        tk.get_action("package_delete")(context, {"id": package_id})
        obj.package_id = package_id
        obj.current = False
        obj.save()
        model.Session.query(HarvestObject).filter(HarvestObject.package_id == package_id).update(
            {"current": False}, synchronize_session=False)
        model.Session.commit()
        return True
