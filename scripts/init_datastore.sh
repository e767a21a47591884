#!/usr/bin/env bash
# CKAN's DataStore for a portal database: its own database (<db>_datastore), a read-only
# role, and the permissions `ckan datastore set-permissions` prints, piped into psql.
# Prints the two URLs to export (CKAN_DATASTORE_WRITE_URL, CKAN_DATASTORE_READ_URL).
#   scripts/init_datastore.sh VENV INI        (CKAN_SQLALCHEMY_URL names the portal database)
set -euo pipefail
venv=$1
ini=$2
url=${CKAN_SQLALCHEMY_URL:?CKAN_SQLALCHEMY_URL must name the database}
base=${url%/*}
db=${url##*/}
db=${db%%\?*}
ds_db="${db}_datastore"
ro_user=${ODL_DATASTORE_RO_USER:-datastore_ro}
ro_password=${ODL_DATASTORE_RO_PASSWORD:-datastore_ro}
psql_() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
if ! psql_ -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ro_user'" | grep -q 1; then
  psql_ -c "CREATE ROLE $ro_user LOGIN PASSWORD '$ro_password'" >/dev/null
fi
if ! psql_ -tAc "SELECT 1 FROM pg_database WHERE datname = '$ds_db'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres "$ds_db"
fi
write_url="$base/$ds_db"
read_url="postgresql://$ro_user:$ro_password@${base#postgresql://*@}/$ds_db"
# set-permissions is a command of the datastore plugin: load it through a small ini that
# inherits everything else from INI.
tmp_ini=$(mktemp --suffix=.ini -p "$(dirname "$ini")")
trap 'rm -f "$tmp_ini"' EXIT
printf '[app:main]\nuse = config:%s\nckan.plugins = datastore\n' "$(basename "$ini")" > "$tmp_ini"
CKAN_DATASTORE_WRITE_URL=$write_url CKAN_DATASTORE_READ_URL=$read_url \
  "$venv/bin/ckan" -c "$tmp_ini" datastore set-permissions 2>/dev/null | psql_ -d "$ds_db" >/dev/null
echo "CKAN_DATASTORE_WRITE_URL=$write_url"
echo "CKAN_DATASTORE_READ_URL=$read_url"
