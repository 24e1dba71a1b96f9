#!/usr/bin/env bash
# Checks of the Supabase edge function `ml-matching-gateway`, with the Deno pinned in
# supabase/tools/package-lock.json (installed from the npm registry with `npm ci`).
#
#   bash supabase/test.sh                # install if needed, then check, lint, fmt, test
#   bash supabase/test.sh --install-only # only make sure the pinned deno and npm deps exist
#
# Exits non-zero on any failure, and when no test ran. The Postgres test needs the server at
# TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test); with the default it
# is started when down, and the run fails (never skips) if it cannot be reached.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
fn="$here/functions/ml-matching-gateway"
deno="$tools/node_modules/.bin/deno"
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1

step() { printf '\n== %s\n' "$*"; }

pinned_version() {
  node -e 'process.stdout.write(require(process.argv[1]).devDependencies.deno)' \
    "$tools/package.json"
}

install_tools() {
  local want have
  want="$(pinned_version)"
  have="$("$deno" --version 2>/dev/null | awk 'NR==1 {print $2}' || true)"
  if [[ "$have" != "$want" ]]; then
    step "npm ci (deno $want) in supabase/tools"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
    have="$("$deno" --version | awk 'NR==1 {print $2}')"
    [[ "$have" == "$want" ]] || { echo "deno $have installed, $want pinned" >&2; exit 1; }
  fi
  # npm: dependencies of the function, exactly as deno.lock pins them.
  (cd "$fn" && "$deno" install --frozen --quiet)
}

ensure_postgres() {
  if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    return # someone else's server: the test itself fails if it is unreachable
  fi
  export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/test"
  if pg_isready -q -h 127.0.0.1 -p 5432; then
    return
  fi
  step "starting Postgres"
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    if pg_isready -q -h 127.0.0.1 -p 5432; then return; fi
    sleep 1
  done
  echo "Postgres at 127.0.0.1:5432 is not reachable" >&2
  exit 1
}

install_tools
if [[ "${1:-}" == "--install-only" ]]; then
  echo "deno: $deno ($("$deno" --version | head -n 1))"
  exit 0
fi

cd "$fn"
step "deno check"
"$deno" check --frozen ./*.ts
step "deno lint"
"$deno" lint
step "deno fmt --check"
"$deno" fmt --check

ensure_postgres
step "deno test"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
"$deno" test --frozen --allow-net=127.0.0.1 --allow-env 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[[ $status -eq 0 ]] || { echo "deno test failed ($status)" >&2; exit "$status"; }
summary="$(grep -E '^ok \| [0-9]+ passed' "$log" | tail -n 1 || true)"
passed="$(sed -E 's/^ok \| ([0-9]+) passed.*/\1/' <<<"$summary")"
if [[ -z "$summary" || "$passed" -eq 0 ]]; then
  echo "no Deno test ran" >&2
  exit 1
fi
if grep -qE '\| [1-9][0-9]* (ignored|filtered out)' <<<"$summary"; then
  echo "some Deno tests were ignored: $summary" >&2
  exit 1
fi
echo "deno tests: $summary"
