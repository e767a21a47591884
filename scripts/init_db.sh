#!/usr/bin/env bash
# Create the database named in CKAN_SQLALCHEMY_URL if needed, then bring CKAN's
# and the enabled plugins' tables up to date.
#   scripts/init_db.sh VENV INI
set -euo pipefail
venv=$1
ini=$2
url=${CKAN_SQLALCHEMY_URL:?CKAN_SQLALCHEMY_URL must name the database}
db=${url##*/}
db=${db%%\?*}
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres "$db"
fi
"$venv/bin/ckan" -c "$ini" db init >/dev/null
"$venv/bin/ckan" -c "$ini" db pending-migrations --apply >/dev/null
