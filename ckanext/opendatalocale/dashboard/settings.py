"""Dashboard settings read from CKAN's config (glue: the cores take plain values)."""
from __future__ import annotations

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
    names: list[str] = []
    for kind in ("commune", "epci", "departement", "region"):
        for name in str(config.get(f"{PREFIX}expected_schemas.{kind}") or "").split():
            if name not in names:
                names.append(name)
    return names


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


def obligation_rules(config: Mapping[str, Any]) -> ObligationRules:
    presume = int(config.get(f"{PREFIX}presume_staff_from_population", 3500) or 0)
    return ObligationRules(presume_staff_from_population=presume or None,
                           presume_epci_staff=bool(config.get(f"{PREFIX}presume_epci_staff", True)))
