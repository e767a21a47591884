#!/usr/bin/env bash
# The demo portal, from an empty database to a served portal (called by `make demo`).
#   demo/run_demo.sh VENV PG_URL
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
export CKAN_SQLALCHEMY_URL="$2/odl_demo"
ckan() { "$venv/bin/ckan" -c demo/demo.ini "$@"; }

mkdir -p var/demo
# The demo's harvest sources, served offline on 127.0.0.1:5081 while the demo runs.
"$venv/bin/python" demo/serve_sources.py --port 5081 > var/demo/sources.log 2>&1 &
pids=($!)
# One Ctrl-C stops everything: background processes ignore it, so they are
# stopped here when the web server (or anything before it) ends.
stop() { trap - EXIT; kill "${pids[@]}" 2>/dev/null || true; wait; }
trap stop EXIT
trap 'exit 130' INT TERM

bash scripts/init_db.sh "$venv" demo/demo.ini
export $(bash scripts/init_datastore.sh "$venv" demo/demo.ini)   # DataStore: own database, read-only role
ckan opendatalocale territories import --dep 56 --shipped-outlines
"$venv/bin/python" demo/load_demo.py demo/demo.ini          # admin, organisations, datasets, harvests
ckan opendatalocale territories define "Morbihan" --slug morbihan --dep 56 --org atd-morbihan
ckan jobs worker --burst                                     # conformity checks of uploaded and harvested files
ckan opendatalocale dashboard refresh
ckan opendatalocale consolidate                              # consolidated sets, published with DataStore rows
ckan opendatalocale observatory refresh                      # the observatory's figures, cached
# Jobs worker, harvest consumers and a harvest run every minute (var/demo/workers.log).
bash demo/workers.sh "$venv" demo/demo.ini 60 > var/demo/workers.log 2>&1 &
pids+=($!)
cat var/demo/login.txt
ckan run --host 127.0.0.1 --port 5000 --disable-debugger --disable-reloader --threaded
