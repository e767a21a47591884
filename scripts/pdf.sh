#!/usr/bin/env bash
# Debian's pango and fonts for WeasyPrint, which makes the annual report's PDF on the server.
# Idempotent: does nothing when pango is already installed.
set -euo pipefail

if ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
    echo "pango: installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
