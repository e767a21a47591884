#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1; start them, or install
# them with apt when run as root on a machine that lacks them.
set -euo pipefail

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

if ! pg_ready; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-contrib
  version=$(ls /etc/postgresql | sort -V | tail -1)
  if [ -z "$(ls /etc/postgresql/"$version" 2>/dev/null)" ]; then
    as_root pg_createcluster "$version" main
  fi
  # Tests and the demo connect as postgres over TCP without a password.
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q "opendatalocale" "$hba"; then
    as_root sh -c "sed -i '1i host all all 127.0.0.1/32 trust # opendatalocale\nhost all all ::1/128 trust # opendatalocale' $hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 30); do pg_ready && break; sleep 1; done
  pg_ready || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

if ! redis_ready; then
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /tmp/opendatalocale-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/opendatalocale-redis --logfile /tmp/opendatalocale-redis/redis.log
  for _ in $(seq 30); do redis_ready && break; sleep 1; done
  redis_ready || { echo "Redis did not start" >&2; exit 1; }
fi
echo "PostgreSQL and Redis are up."
