#!/usr/bin/env bash
# start-keystone.sh PORT [PLACEMENT_URL]: a throw-away Keystone 22 (Debian's python3-keystone)
# on 127.0.0.1:PORT, as design §6.1 describes: keystone.conf with SQLite and key directories,
# keystone-manage db_sync / fernet_setup / credential_setup / bootstrap, then uwsgi with the
# public WSGI app. Then, with the real openstack CLI and password auth, it registers what a
# Placement deployment has:
#   service `placement` (type placement) with public/internal/admin endpoints at PLACEMENT_URL
#   project `service`, user `placement` with role `service`   (vfnet's own service credentials)
#   project `demo`: users `demo-reader` (reader), `demo-member` (member, reader)
#   the bootstrap `admin` in project `admin` (role admin)
# Prints KEYSTONE_URL=, PID= and WORKDIR= and exits with Keystone running. WORKDIR holds
#   keystone.conf, keystone.log, uwsgi.log
#   passwords.env        the users' passwords (random per start, mode 0600; never printed)
#   placement-credentials.yaml   vfnet's --keystone-credentials-file for the `placement` user
#   clouds.yaml          OS_CLIENT_CONFIG_FILE for the openstack CLI: clouds admin, placement,
#                        demo-reader, demo-member
# env: KEYSTONE_TOKEN_EXPIRATION (seconds, default 3600), TMPDIR (where WORKDIR is made).
# Loopback only: Keystone listens on 127.0.0.1. One uwsgi thread: SQLite refuses concurrent
# writers ("database is locked") and the tests need no more.
set -euo pipefail
PORT="${1:?usage: start-keystone.sh PORT [PLACEMENT_URL]}"
PLACEMENT_URL="${2:-http://127.0.0.1:8778}"
W="$(mktemp -d -t vfnet-keystone.XXXXXX)"
URL="http://127.0.0.1:$PORT"
umask 077

pw() { openssl rand -hex 16; }
ADMIN_PW=$(pw); PLACEMENT_PW=$(pw); READER_PW=$(pw); MEMBER_PW=$(pw)
cat > "$W/passwords.env" <<ENV
ADMIN_PW=$ADMIN_PW
PLACEMENT_PW=$PLACEMENT_PW
READER_PW=$READER_PW
MEMBER_PW=$MEMBER_PW
ENV

cat > "$W/keystone.conf" <<CONF
[DEFAULT]
log_file = $W/keystone.log
[database]
connection = sqlite:///$W/keystone.db
[fernet_tokens]
key_repository = $W/fernet-keys
[credential]
key_repository = $W/credential-keys
[token]
expiration = ${KEYSTONE_TOKEN_EXPIRATION:-3600}
[cache]
enabled = false
CONF
mkdir -p "$W/fernet-keys" "$W/credential-keys"
KM=(keystone-manage --config-file "$W/keystone.conf")
"${KM[@]}" db_sync >>"$W/setup.log" 2>&1
# WAL (kept in the file): a reader left in a transaction by one request does not lock out the
# next request's write, which otherwise fails with "database is locked" after 5 s.
/usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL")' "$W/keystone.db"
"${KM[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" >>"$W/setup.log" 2>&1
"${KM[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" >>"$W/setup.log" 2>&1
# The password goes through the environment, not the command line (keystone-manage reads OS_BOOTSTRAP_PASSWORD).
OS_BOOTSTRAP_PASSWORD="$ADMIN_PW" "${KM[@]}" bootstrap --bootstrap-admin-url "$URL/v3/" --bootstrap-public-url "$URL/v3/" \
  --bootstrap-internal-url "$URL/v3/" --bootstrap-region-id RegionOne >>"$W/setup.log" 2>&1

OS_KEYSTONE_CONFIG_FILES="$W/keystone.conf" nohup uwsgi_python3 --http-socket "127.0.0.1:$PORT" \
  --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 1 --threads 1 --die-on-term \
  --lazy-apps --enable-threads --buffer-size 65535 \
  `# one request per connection: a client reusing a connection uwsgi has dropped gets a reset` \
  --add-header "Connection: close" \
  >"$W/uwsgi.log" 2>&1 </dev/null &
PID=$!
echo "$PID" > "$W/keystone.pid"
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "$URL/v3" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "start-keystone: uwsgi exited; $W/uwsgi.log:" >&2; tail -20 "$W/uwsgi.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$URL/v3" || { echo "start-keystone: no answer on $URL" >&2; kill "$PID"; exit 1; }

cloud() { # name user password project
  cat <<YAML
  $1:
    auth: {auth_url: "$URL/v3", username: "$2", password: "$3", project_name: "$4", user_domain_name: Default, project_domain_name: Default}
    identity_api_version: 3
    region_name: RegionOne
YAML
}
{
  echo "clouds:"
  cloud admin admin "$ADMIN_PW" admin
  cloud placement placement "$PLACEMENT_PW" service
  cloud demo-reader demo-reader "$READER_PW" demo
  cloud demo-member demo-member "$MEMBER_PW" demo
} > "$W/clouds.yaml"
cat > "$W/placement-credentials.yaml" <<YAML
auth_url: $URL/v3
username: placement
password: $PLACEMENT_PW
user_domain_name: Default
project_name: service
project_domain_name: Default
YAML

export OS_CLIENT_CONFIG_FILE="$W/clouds.yaml"
# Passwords reach the CLI through the environment (--password-prompt reads a terminal).
osa() { openstack --os-cloud admin "$@" >>"$W/setup.log" 2>&1; }
# Keystone 22's bootstrap makes admin, member and reader; Placement's rules also know service.
openstack --os-cloud admin role list -f value -c Name | grep -qx service || osa role create service
osa project create --domain Default service
osa project create --domain Default demo
OS_PW="$PLACEMENT_PW" bash -c 'openstack --os-cloud admin user create --domain Default --project service --password "$OS_PW" placement' >>"$W/setup.log" 2>&1
OS_PW="$READER_PW" bash -c 'openstack --os-cloud admin user create --domain Default --project demo --password "$OS_PW" demo-reader' >>"$W/setup.log" 2>&1
OS_PW="$MEMBER_PW" bash -c 'openstack --os-cloud admin user create --domain Default --project demo --password "$OS_PW" demo-member' >>"$W/setup.log" 2>&1
osa role add --project service --user placement service
osa role add --project demo --user demo-reader reader
osa role add --project demo --user demo-member member
osa service create --name placement --description "vfnet (Placement API)" placement
for iface in public internal admin; do
  osa endpoint create --region RegionOne placement "$iface" "$PLACEMENT_URL"
done

echo "KEYSTONE_URL=$URL/v3"
echo "PID=$PID"
echo "WORKDIR=$W"
