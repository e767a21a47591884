#!/usr/bin/env bash
# The demo's background processes, beside its web server (started by run_demo.sh):
# the background jobs worker (conformity checks of uploaded and harvested files),
# ckanext-harvest's gather and fetch consumers, and `ckan harvester run` every
# INTERVAL seconds, which starts the jobs queued by "Harvest now" or a source's
# schedule and closes the finished ones (cron's part on a real portal).
#   demo/workers.sh VENV INI [INTERVAL]
# Runs until SIGINT (Ctrl-C) or SIGTERM, then stops everything it started.
set -uo pipefail
venv=$1
ini=$2
interval=${3:-60}
ckan() { "$venv/bin/ckan" -c "$ini" "$@"; }

pids=()
stop() {
  trap - INT TERM EXIT
  kill "${pids[@]}" 2>/dev/null
  wait
  exit 0
}
trap stop INT TERM EXIT

ckan jobs worker & pids+=($!)
ckan harvester gather-consumer & pids+=($!)
ckan harvester fetch-consumer & pids+=($!)
(
  trap 'kill $! 2>/dev/null; exit 0' TERM
  while :; do
    ckan harvester run || true
    sleep "$interval" & wait $!
  done
) & pids+=($!)
wait
