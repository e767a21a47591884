"""Load the demo territory into the portal configured by INI (idempotent).

    python demo/load_demo.py demo/demo.ini

Creates the administrator (password kept in var/demo/admin-password.txt so
each run prints the same one), the ATD's and some communes' organisations and
their datasets. Later features add harvest sources, validation and the
dashboard territory to this script.
"""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = HERE.parent / "var" / "demo"
DATA = HERE / "data"


def main(ini: str) -> None:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    flask_app = getattr(app, "_wsgi_app", app)
    with flask_app.test_request_context():
        password = ensure_admin()
        organisations = json.loads((DATA / "organisations.json").read_text(encoding="utf-8"))
        for org in organisations:
            ensure_organisation(org)
        datasets = json.loads((DATA / "datasets.json").read_text(encoding="utf-8"))
        for dataset in datasets:
            ensure_dataset(dataset)
        # One source of each kind, served by demo/serve_sources.py (each failure is printed, the demo goes on).
        from harvest_sources import load_harvest_sources  # demo/harvest_sources.py

        load_harvest_sources(_context)
    login = (
        "\nPortail de démonstration / demo portal: http://127.0.0.1:5000\n"
        f"Administrateur / admin login: admin  —  mot de passe / password: {password}\n"
        "Tableau de bord ATD / ATD dashboard: http://127.0.0.1:5000/territoire/morbihan\n"
    )
    (STATE / "login.txt").write_text(login, encoding="utf-8")
    print(login)


def _context() -> dict:
    import ckan.logic as logic

    site_user = logic.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def ensure_admin() -> str:
    import ckan.logic as logic
    import ckan.model as model

    STATE.mkdir(parents=True, exist_ok=True)
    secret_file = STATE / "admin-password.txt"
    password = secret_file.read_text().strip() if secret_file.exists() else secrets.token_urlsafe(12)
    secret_file.write_text(password)
    try:
        user = logic.get_action("user_show")(_context(), {"id": "admin"})
        logic.get_action("user_update")(_context(), {"id": user["id"], "name": "admin",
                                                     "email": user.get("email") or "admin@example.org",
                                                     "password": password})
    except logic.NotFound:
        logic.get_action("user_create")(_context(), {"name": "admin", "email": "admin@example.org",
                                                     "password": password, "fullname": "Administrateur"})
    admin = model.User.get("admin")
    admin.sysadmin = True
    model.Session.commit()
    return password


def ensure_organisation(org: dict) -> None:
    import ckan.logic as logic

    try:
        logic.get_action("organization_show")(_context(), {"id": org["name"]})
    except logic.NotFound:
        logic.get_action("organization_create")(_context(), dict(org, users=[{"name": "admin", "capacity": "admin"}]))


def ensure_dataset(dataset: dict) -> None:
    import ckan.logic as logic

    try:
        logic.get_action("package_show")(_context(), {"id": dataset["name"]})
        return
    except logic.NotFound:
        pass
    resources = dataset.get("resources", [])
    created = logic.get_action("package_create")(_context(), dict(dataset, resources=[]))
    for resource in resources:
        logic.get_action("resource_create")(_context(), _with_upload(resource, created["id"]))


def _with_upload(resource: dict, package_id: str) -> dict:
    """Demo files are uploaded into the portal: the demo needs no web server."""
    from werkzeug.datastructures import FileStorage

    resource = dict(resource, package_id=package_id)
    filename = resource.pop("file", None)
    if filename:
        path = DATA / "files" / filename
        resource["upload"] = FileStorage(stream=open(path, "rb"), filename=filename,
                                         content_type="text/csv")
        resource["url"] = filename
    return resource


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE / "demo.ini"))
