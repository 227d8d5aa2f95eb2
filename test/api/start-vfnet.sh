#!/usr/bin/env bash
# start-vfnet.sh PORT: the start command of the conformance runner (test/api/support/gabbi.ts) for vfnet.
# Starts a fresh vfnet Placement server with an empty database on 127.0.0.1:PORT, prints
#   URL=http://127.0.0.1:PORT
#   PID=<server pid>
#   WORKDIR=<dir with server.log (and vfnet.db on SQLite)>
# and exits with the server running (its output goes to WORKDIR/server.log, not the pipe).
# env:
#   VFNET_DB=postgres://USER@HOST:PORT/DB  use PostgreSQL: a new database is created on that
#                                          server per start, so each gabbi file starts empty
#                                          (default: a new SQLite file in WORKDIR)
#   GABBI_FIXTURE=CORSFixture              enable CORS for http://valid.example.com (cors.yaml)
#   GABBI_FIXTURE=SecureRBACPolicyFixture  --policy-defaults secure (upstream: enforce_new_defaults=True)
#   GABBI_FIXTURE=OpenPolicyFixture        a --policy-file making every rule '@' but admin_api
#   any other fixture                      --policy-defaults legacy: upstream's APIFixture and
#                                          LegacyRBACPolicyFixture leave enforce_new_defaults False
#   VFNET_SERVE_ARGS="..."                 more server options (e.g. --auth keystone ...)
#   VFNET_SERVER_JS=path                   the server entry (default dist/src/bin/placement-dev.js)
#   TMPDIR                                 where WORKDIR is made (tests point it at their own dir)
# Needs `npm run build` first.
set -euo pipefail
PORT="${1:-18779}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SERVER_JS="${VFNET_SERVER_JS:-$ROOT/dist/src/bin/placement-dev.js}"
[ -f "$SERVER_JS" ] || { echo "start-vfnet: $SERVER_JS missing (npm run build)" >&2; exit 1; }
WORKDIR="$(mktemp -d -t vfnet-gabbi.XXXXXX)"

if [[ "${VFNET_DB:-}" == postgres://* || "${VFNET_DB:-}" == postgresql://* ]]; then
  # A unique database name per start; the cluster is throw-away, so old ones are never dropped.
  DBNAME="vfnet_$(date +%s%N)_$$"
  psql -q -v ON_ERROR_STOP=1 "$VFNET_DB" -c "CREATE DATABASE $DBNAME" >/dev/null
  DB="${VFNET_DB%/*}/$DBNAME"
else
  DB="$WORKDIR/vfnet.db"
fi

ARGS=(--listen "127.0.0.1:$PORT" --db "$DB")
case "${GABBI_FIXTURE:-}" in
  CORSFixture) ARGS+=(--cors-allowed-origin http://valid.example.com --policy-defaults legacy) ;;
  SecureRBACPolicyFixture) ARGS+=(--policy-defaults secure) ;;
  OpenPolicyFixture)
    # The rule names come from the server's own table, so the file cannot drift from it.
    node --input-type=module -e "
      import { writeFileSync } from 'node:fs';
      const { PLACEMENT_RULES } = await import('$ROOT/dist/src/auth/policy/placement-rules.js');
      const { openPolicyOverrides } = await import('$ROOT/dist/src/auth/policy/policy-file.js');
      writeFileSync('$WORKDIR/open-policy.json', JSON.stringify(openPolicyOverrides(PLACEMENT_RULES.map((r) => r.name)), null, 1));"
    ARGS+=(--policy-defaults legacy --policy-file "$WORKDIR/open-policy.json") ;;
  *) ARGS+=(--policy-defaults legacy) ;;
esac
# shellcheck disable=SC2206
[ -n "${VFNET_SERVE_ARGS:-}" ] && ARGS+=($VFNET_SERVE_ARGS)

echo "$DB" > "$WORKDIR/db"
nohup node "$SERVER_JS" "${ARGS[@]}" >"$WORKDIR/server.log" 2>&1 </dev/null &
PID=$!
echo "$PID" > "$WORKDIR/server.pid"

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$URL/" 2>/dev/null && break
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "start-vfnet: server exited; $WORKDIR/server.log:" >&2
    tail -20 "$WORKDIR/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
curl -fsS -o /dev/null "$URL/" || { echo "start-vfnet: no answer on $URL after 30 s" >&2; kill "$PID"; exit 1; }
echo "URL=$URL"
echo "PID=$PID"
echo "WORKDIR=$WORKDIR"
