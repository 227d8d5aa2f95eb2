#!/usr/bin/env bash
# start-placement.sh [PORT]: real OpenStack Placement, the peer the API suites and bench/placement
# compare vfnet with. It is Debian's placement-api (bookworm: 8.0.0, microversions 1.0-1.39) under
# uwsgi, with a new SQLite database and Keystone replaced by noauth2, so a test needs nothing but
# this machine. scripts/placement-deps.sh installs the packages.
#
# Prints, then exits with the server running (its output goes to files, never to the pipe):
#   URL=http://127.0.0.1:PORT
#   PID=<the server's pid>      stop it with SIGTERM
#   WORKDIR=<placement.conf, placement.sqlite, placement.log, server.log>
# env:
#   PROCESSES=1 THREADS=1   uwsgi workers (the benchmark's peer is 1 x 1)
#   GABBI_FIXTURE=<name>    the server configuration upstream's gabbi fixture of that name sets:
#                           CORSFixture: CORS for http://valid.example.com;
#                           SecureRBACPolicyFixture: the new policy defaults with scope checks;
#                           OpenPolicyFixture: every rule open to anyone
#   TMPDIR                  where WORKDIR is made
# With noauth2 any token is accepted as that user; `x-auth-token: admin` is an admin.
set -euo pipefail
PORT=${1:-8778}
PROCESSES=${PROCESSES:-1}
THREADS=${THREADS:-1}
# Debian's interpreter: the placement modules are installed for it, not for another python3.
PY=/usr/bin/python3
for f in /usr/bin/placement-api /usr/bin/placement-manage /usr/bin/uwsgi_python3; do
  [ -x "$f" ] || { echo "start-placement: $f is missing (scripts/placement-deps.sh)" >&2; exit 1; }
done
WORKDIR=$(mktemp -d -t placement-peer.XXXXXX)
CONF=$WORKDIR/placement.conf

{
  printf '[DEFAULT]\ndebug = false\nlog_file = %s/placement.log\n' "$WORKDIR"
  printf '[api]\nauth_strategy = noauth2\n'
  printf '[placement_database]\nconnection = sqlite:///%s/placement.sqlite\n' "$WORKDIR"
  # Answers in a stable order, so two runs (and two servers) can be compared.
  printf '[placement]\nrandomize_allocation_candidates = false\n'
} > "$CONF"

scope=false
case ${GABBI_FIXTURE:-} in
  CORSFixture)
    printf '[cors]\nallowed_origin = http://valid.example.com\nallow_headers = openstack-api-version\n' >> "$CONF" ;;
  SecureRBACPolicyFixture) scope=true ;;
  OpenPolicyFixture)
    # A policy file that opens every rule Placement registers (admin_api stays what it is).
    "$PY" - > "$WORKDIR/policy.yaml" <<'PYEOF'
from placement import policies
for rule in policies.list_rules():
    if rule.name != 'admin_api':
        print('"%s": "@"' % rule.name)
PYEOF
    printf '[oslo_policy]\npolicy_file = %s/policy.yaml\n' "$WORKDIR" >> "$CONF" ;;
esac
if [ "${GABBI_FIXTURE:-}" != OpenPolicyFixture ]; then
  printf '[oslo_policy]\nenforce_scope = %s\nenforce_new_defaults = %s\n' "$scope" "$scope" >> "$CONF"
fi

# The schema: Placement's alembic migrations into the empty SQLite file.
if ! "$PY" /usr/bin/placement-manage --config-file "$CONF" db sync > "$WORKDIR/db-sync.log" 2>&1; then
  echo "start-placement: db sync failed:" >&2; tail -20 "$WORKDIR/db-sync.log" >&2; exit 1
fi

# Connection: close: each request on a new connection, as the Python clients of the suites do;
# --die-on-term: SIGTERM stops the master and its workers.
OS_PLACEMENT_CONFIG_DIR=$WORKDIR nohup /usr/bin/uwsgi_python3 \
  --http-socket "127.0.0.1:$PORT" --wsgi-file /usr/bin/placement-api \
  --master --die-on-term --lazy-apps --enable-threads \
  --processes "$PROCESSES" --threads "$THREADS" --buffer-size 65535 \
  --add-header 'Connection: close' --env "OS_PLACEMENT_CONFIG_DIR=$WORKDIR" \
  > "$WORKDIR/server.log" 2>&1 < /dev/null &
PID=$!

URL=http://127.0.0.1:$PORT
# Up to 30 s for uwsgi to load the application; a server that exits meanwhile is reported at once.
for _ in $(seq 300); do
  curl -fsS -o /dev/null "$URL/" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "start-placement: uwsgi exited:" >&2; tail -20 "$WORKDIR/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$URL/" || { echo "start-placement: no answer on $URL" >&2; kill "$PID"; exit 1; }
echo "URL=$URL"
echo "PID=$PID"
echo "WORKDIR=$WORKDIR"
