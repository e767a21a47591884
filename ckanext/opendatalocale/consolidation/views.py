"""The territory's consolidated CSV at its dashboard address (``/territoire/<slug>/consolide/
<schema>.csv``): a redirect to the published resource, or the stored rows. Nothing is
downloaded on a request: the consolidation job did the reading."""
from __future__ import annotations

import tempfile

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan import model
from flask import Response, request

from ckanext.opendatalocale.territories import store as territories

from . import store


def consolidated_csv(slug: str, schema: str):
    from ckanext.opendatalocale.scdl.registry import UnknownSchema
    from ckanext.opendatalocale.scdl.utils import registry

    if not p.plugin_loaded("opendatalocale_consolidation"):
        return tk.abort(404, tk._("Consolidation is not enabled on this portal"))
    try:
        entry = registry().get(schema)
    except UnknownSchema:
        return tk.abort(404, tk._("Unknown schema"))
    conn = model.Session.connection()
    territory = territories.get_territory(conn, slug)
    if territory is None:
        return tk.abort(404, tk._("Territory not found"))
    found = store.get_set(conn, territory["id"], entry.name)
    if found is None:
        return tk.abort(404, tk._("Not consolidated yet: the consolidation job has not run for this schema"))
    rejects = bool(request.args.get("rejets"))
    resource = model.Resource.get(found["reject_resource_id" if rejects else "csv_resource_id"] or "")
    if resource is not None and resource.state == "active" and resource.url_type == "upload":
        return tk.redirect_to(tk.h.url_for("resource.download", id=resource.package_id,
                                           resource_id=resource.id, filename=resource.url.rsplit("/", 1)[-1]))
    # Not uploaded (larger than ckan.max_resource_size, or not published yet): the stored rows.
    from .publish import header, write_rejects_csv

    out = tempfile.TemporaryFile()
    if rejects:
        write_rejects_csv(conn, found["id"], out)
    else:
        out.write((",".join(header(entry)) + "\r\n").encode("utf-8"))
        store.write_winners_csv(conn, found["id"], out)
    out.seek(0)
    name = f"{entry.slug}-{slug}{'-rejets' if rejects else ''}.csv"
    return Response(iter(lambda: out.read(1 << 16), b""), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
