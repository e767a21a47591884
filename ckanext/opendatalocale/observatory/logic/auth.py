"""Auth functions of the observatory actions: public figures, anyone may read them (the
figures come from public datasets only; see ``figures.hidden_datasets``)."""
from __future__ import annotations

import ckan.plugins.toolkit as tk


def _public(context, data_dict):
    return {"success": True}


observatory_territory_list = tk.auth_allow_anonymous_access(_public)
observatory_territory_show = tk.auth_allow_anonymous_access(_public)
observatory_indicator_show = tk.auth_allow_anonymous_access(_public)
observatory_collectivite_show = tk.auth_allow_anonymous_access(_public)
observatory_resource_charts = tk.auth_allow_anonymous_access(_public)

# Explicit: several names share one function object, which CKAN's blanket would skip.
__all__ = ["observatory_territory_list", "observatory_territory_show", "observatory_indicator_show",
           "observatory_collectivite_show", "observatory_resource_charts"]
