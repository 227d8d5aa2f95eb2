#!/usr/bin/env bash
# Installs, from Debian, what the Placement API suites (test/api) and bench/placement need:
#   gabbi-run + PyYAML  runs Placement's gabbi files for test/api/support/gabbi.ts
#   curl                start scripts poll the server with it
#   placement-api       the peer: OpenStack Placement 8.0.0 (pulls uwsgi), and python3-placement
#   openstack CLI       python3-openstackclient + python3-osc-placement (`openstack resource provider ...`)
#   postgresql          the scale-out store (scripts/postgres.sh starts throw-away clusters)
# Idempotent: apt runs only when something is missing, so calling it before every suite is cheap.
# Other jobs may hold the dpkg lock; the lock timeout waits for them instead of failing.
set -euo pipefail

need=()
[ -x /usr/bin/gabbi-run ] || need+=(python3-gabbi)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
command -v curl >/dev/null || need+=(curl)
[ -x /usr/bin/placement-api ] && [ -x /usr/bin/placement-manage ] || need+=(placement-api)
/usr/bin/python3 -c 'import placement' 2>/dev/null || need+=(python3-placement)
command -v uwsgi_python3 >/dev/null || need+=(uwsgi-core uwsgi-plugin-python3)
command -v openstack >/dev/null || need+=(python3-openstackclient)
/usr/bin/python3 -c 'import osc_placement' 2>/dev/null || need+=(python3-osc-placement)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)

if ((${#need[@]})); then
  echo "placement-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  # A fresh machine may have empty package lists; an update that fails (offline) is not fatal
  # by itself: the install below then says what is missing.
  "${APT[@]}" update >/dev/null || true
  # --no-install-recommends keeps the install small; placement-api's hard dependencies are enough.
  "${APT[@]}" --no-install-recommends install "${need[@]}" >/dev/null
fi

# Debian's postgresql package starts a system cluster on 5432; scripts/postgres.sh runs its own
# throw-away clusters instead, so the system one is left as the package set it up.
echo "placement-deps: ok (gabbi-run, placement-api, openstack, $(ls -d /usr/lib/postgresql/*/bin | head -1))" >&2
