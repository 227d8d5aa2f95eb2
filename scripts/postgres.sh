#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks.
#   postgres.sh start DIR   initdb a new cluster in DIR, start it on a free 127.0.0.1 port with
#                           trust auth (loopback and its own socket only), print
#                           URL=postgres://postgres@127.0.0.1:PORT/postgres, PORT= and DIR=
#   postgres.sh stop DIR    stop that cluster and remove DIR
# Uses Debian's server binaries (/usr/lib/postgresql/<ver>/bin). initdb refuses to run as root,
# so as root the cluster belongs to the `postgres` user; DIR must then be reachable by it (a
# directory directly under /tmp works; one inside a root-only mktemp directory does not).
# Durability is switched off (fsync, synchronous_commit): the data dies with the test anyway,
# and transactions, locks and isolation - what the tests exercise - are unaffected.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
CMD=$1
DIR=$2

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || {
  echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
}

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  if [ -e "$DIR/data" ]; then
    echo "postgres.sh: $DIR/data exists; stop that cluster first" >&2
    exit 1
  fi
  [ "$(id -u)" -ne 0 ] || chown postgres: "$DIR"
  if ! as_owner test -w "$DIR"; then
    echo "postgres.sh: $DIR is not writable by $( [ "$(id -u)" -eq 0 ] && echo postgres || id -un) (is a parent directory private?)" >&2
    exit 1
  fi
  # The socket directory stays inside DIR so clusters never collide; its path must stay short
  # (108-byte sun_path), which a mktemp directory under /tmp satisfies.
  as_owner mkdir -p "$DIR/sock"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
  # Only loopback TCP and the private socket are trusted; nothing listens elsewhere.
  as_owner tee "$DIR/data/pg_hba.conf" >/dev/null <<EOF
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  # A port chosen at random and then checked; another cluster may grab it between the check and
  # the start, so a failed start retries with another port.
  local port tries=0
  while :; do
    tries=$((tries + 1))
    port=$((20000 + RANDOM % 30000))
    port_in_use "$port" && continue
    as_owner tee "$DIR/data/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR/sock'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    if [ "$tries" -ge 5 ]; then
      echo "postgres.sh: the server did not start; see $DIR/server.log" >&2
      tail -20 "$DIR/server.log" >&2 || true
      exit 1
    fi
  done
  echo "$port" > "$DIR/port"
  echo "URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "PORT=$port"
  echo "DIR=$DIR"
}

stop() {
  [ -d "$DIR" ] || exit 0
  # Refuse to delete anything that is not a cluster this script made.
  if [ -e "$DIR/data" ] && [ ! -f "$DIR/data/PG_VERSION" ]; then
    echo "postgres.sh: $DIR/data is not a PostgreSQL cluster; not removing" >&2
    exit 1
  fi
  if [ -f "$DIR/data/postmaster.pid" ]; then
    # immediate: nothing in a throw-away cluster needs a clean checkpoint
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
