"""Dashboard settings read from CKAN's config (glue: the cores take plain values)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from ckanext.opendatalocale.territories.obligation import ObligationRules

from .indicators import Settings

PREFIX = "ckanext.opendatalocale.dashboard."


def _latest_versions() -> dict[str, str]:
    from ckanext.opendatalocale.scdl.registry import get_registry

    registry = get_registry()
    return {name: registry.latest(name) for name in registry.names()}


def expected_schemas(config: Mapping[str, Any]) -> list[str]:
    """Every schema expected of any kind of collectivité (matrix columns, filter choices)."""
    return territory_expected_schemas(config, {})


def indicator_settings(config: Mapping[str, Any]) -> Settings:
    expected = {kind: tuple(str(config.get(f"{PREFIX}expected_schemas.{kind}") or "").split())
                for kind in ("commune", "epci", "departement", "region")}
    horizons = {}
    for item in str(config.get(f"{PREFIX}schema_horizons") or "").split():
        name, _, days = item.rpartition(":")
        horizons[name] = int(days)
    return Settings(expected_schemas=expected, schema_horizons=horizons,
                    tolerance_days=int(config.get(f"{PREFIX}tolerance_days", 7)),
                    quiet_after_days=int(config.get(f"{PREFIX}quiet_after_days", 365)),
                    latest_versions=_latest_versions(), usage_tracking=usage_tracking(config))


def usage_tracking(config: Mapping[str, Any]) -> bool:
    """Usage is tracked only by CKAN's ``tracking`` plugin since CKAN 2.11 (the old
    ``ckan.tracking_enabled`` option alone no longer records anything)."""
    import ckan.plugins as p

    return p.plugin_loaded("tracking")


def with_territory_settings(settings: Settings, overrides: Mapping[str, Any] | None) -> Settings:
    """The site's settings with what a territory chose instead: its expected schemas per kind
    of collectivité (kinds it leaves out keep the site's) and its freshness horizons."""
    overrides = overrides or {}
    expected = {**settings.expected_schemas,
                **{kind: tuple(names) for kind, names in (overrides.get("expected_schemas") or {}).items()}}
    horizons = {**settings.schema_horizons, **(overrides.get("schema_horizons") or {})}
    return replace(settings, expected_schemas=expected, schema_horizons=horizons)


def territory_expected_schemas(config: Mapping[str, Any], territory: Mapping[str, Any]) -> list[str]:
    """Every schema the territory expects of any kind (matrix columns, filter choices)."""
    chosen = (territory.get("settings") or {}).get("expected_schemas") or {}
    names: list[str] = []
    for kind in ("commune", "epci", "departement", "region"):
        kind_names = chosen[kind] if kind in chosen else str(config.get(f"{PREFIX}expected_schemas.{kind}") or "").split()
        names += [name for name in kind_names if name not in names]
    return names


def obligation_rules(config: Mapping[str, Any]) -> ObligationRules:
    presume = int(config.get(f"{PREFIX}presume_staff_from_population", 3500) or 0)
    return ObligationRules(presume_staff_from_population=presume or None,
                           presume_epci_staff=bool(config.get(f"{PREFIX}presume_epci_staff", True)))
