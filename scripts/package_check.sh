#!/usr/bin/env bash
# Build the sdist and the wheel, check them, then install the wheel (not the
# checkout) with CKAN into a fresh virtualenv and smoke-test it as a portal would.
#   scripts/package_check.sh [CKAN_VERSION]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-2.12.0}
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
pg_url=${PG_URL:-postgresql://postgres@127.0.0.1:5432}
dist="$here/var/dist"
tools="$here/var/build-tools"
smoke="$here/var/wheel-smoke"

# 1. Build with the standard front end, in an isolated environment.
[ -x "$tools/bin/python" ] || "$python" -m venv "$tools"
"$tools/bin/pip" install -q build twine
rm -rf "$dist"
"$tools/bin/python" -m build -q --outdir "$dist" "$here" >/dev/null
"$tools/bin/twine" check --strict "$dist"/*
wheel=$(ls "$dist"/*.whl)
sdist=$(ls "$dist"/*.tar.gz)

# 2. What ships: schemas, French catalogue, templates and assets; no test, bench or demo.
"$tools/bin/python" - "$wheel" "$sdist" <<'EOF'
import sys, tarfile, zipfile
wheel = zipfile.ZipFile(sys.argv[1]).namelist()
sdist = tarfile.open(sys.argv[2]).getnames()
def has(names, part):
    return any(part in name for name in names)
required = ["ckanext/opendatalocale/schemas/dataset.yaml",
            "ckanext/opendatalocale/schemas/scdl/catalog.json",
            "ckanext/opendatalocale/schemas/scdl/subventions/2.1.1/schema.json",
            "ckanext/opendatalocale/i18n/fr/LC_MESSAGES/ckanext-opendatalocale.mo",
            "ckanext/opendatalocale/dashboard/templates/",
            "ckanext/opendatalocale/harvesters/assets/",
            "config_declaration.yaml"]
missing = [part for part in required if not has(wheel, part)]
forbidden = [name for name in wheel
             if name.startswith(("tests/", "bench/", "demo/", "scripts/"))
             or "/tests/" in name or "/fragments/" in name]
leaked = [name for name in sdist if "/tests/" in name or "/bench/" in name or "/demo/" in name]
if missing or forbidden or leaked:
    sys.exit(f"package contents wrong: missing={missing} forbidden={forbidden[:5]} sdist={leaked[:5]}")
print(f"wheel: {len(wheel)} files, sdist: {len(sdist)} files, no tests, benches or demo")
EOF

# 3. A fresh virtualenv with CKAN and the wheel alone.
rm -rf "$smoke"
bash "$here/scripts/install_ckan.sh" "$smoke/venv" "$version" "$wheel"
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = $pg_url/odl_wheel_smoke#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/15#" \
    -e "s#^cache_dir = .*#cache_dir = $smoke/data#" \
    -e "s#^ckan.storage_path = .*#ckan.storage_path = $smoke/storage#" \
    -e "s#odl_demo_datastore#odl_wheel_smoke_datastore#" \
    "$here/demo/demo.ini" > "$smoke/smoke.ini"
# The demo's configuration enables the DataStore: the smoke portal gets its own
# database (odl_wheel_smoke_datastore) and the read-only role, as make test does.
for db in odl_wheel_smoke_datastore odl_wheel_smoke; do
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null
done
createdb -h 127.0.0.1 -U postgres odl_wheel_smoke
export CKAN_SQLALCHEMY_URL=$pg_url/odl_wheel_smoke
(cd "$smoke" && bash "$here/scripts/init_datastore.sh" "$smoke/venv" "$smoke/smoke.ini" >/dev/null)
(cd "$smoke" && bash "$here/scripts/init_db.sh" "$smoke/venv" "$smoke/smoke.ini")
# Run from outside the checkout so that nothing is imported from it.
cd "$smoke"
venv/bin/ckan -c smoke.ini opendatalocale --help >/dev/null
venv/bin/python - smoke.ini <<'EOF'
import sys
from ckan.cli import load_config
from ckan.config.middleware import make_app

app = make_app(load_config(sys.argv[1]))
with app._wsgi_app.test_request_context():
    import ckan.plugins as plugins
    import ckan.plugins.toolkit as tk
    import ckanext.opendatalocale
    assert "site-packages" in ckanext.opendatalocale.__file__, ckanext.opendatalocale.__file__
    for name in ("opendatalocale_search", "opendatalocale_scdl", "opendatalocale_conformity",
                 "opendatalocale_harvest", "opendatalocale_dashboard"):
        assert plugins.plugin_loaded(name), name
    context = {"ignore_auth": True, "user": ""}
    site_user = tk.get_action("get_site_user")(context, {})["name"]
    context = {"user": site_user}
    org = tk.get_action("organization_create")(dict(context), {"name": "commune-de-smoke",
                                                               "title": "Commune de Smoke"})
    tk.get_action("package_create")(dict(context), {
        "name": "subventions-smoke", "title": "Subventions accordées", "owner_org": org["id"],
        "notes": "Subventions versées aux associations",
        "resources": [{"url": "http://example.org/subventions.csv", "format": "CSV",
                       "schema_name": "scdl/subventions"}]})
    found = tk.get_action("package_search")(dict(context), {"q": "subvention"})
    assert [d["name"] for d in found["results"]] == ["subventions-smoke"], found
    shown = tk.get_action("scdl_schema_show")(dict(context), {"name": "scdl/subventions"})
    assert shown["name"] == "scdl/subventions"
print("wheel smoke test: plugins load, migrations applied, dataset created and found")
EOF
