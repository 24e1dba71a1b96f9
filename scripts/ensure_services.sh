#!/usr/bin/env bash
# Starts the local Postgres and Redis the tests talk to, if they are down, and fails loudly
# if they cannot be reached: integration tests must never skip silently.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  echo "postgres down: starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
fi
if ! redis_up; then
  echo "redis down: starting it"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi
pg_up || { echo "postgres at 127.0.0.1:5432 is not reachable" >&2; exit 1; }
redis_up || { echo "redis at 127.0.0.1:6379 is not reachable" >&2; exit 1; }
echo "postgres and redis are up"
