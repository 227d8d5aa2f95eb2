#!/usr/bin/env bash
# Installs, from Debian, what the identity suite (test/identity) needs: a real Keystone 22
# (python3-keystone: keystone-manage, keystone-wsgi-public) run under uwsgi, and the openstack
# CLI with osc-placement (scripts/placement-deps.sh). Only the python3-keystone package: the
# `keystone` package would also configure and start a system service, which the tests do not
# want; they start their own Keystone per run (test/identity/start-keystone.sh).
# Idempotent: apt runs only when something is missing.
set -euo pipefail
bash "$(dirname "$0")/placement-deps.sh"
need=()
[ -x /usr/bin/keystone-manage ] && [ -x /usr/bin/keystone-wsgi-public ] || need+=(python3-keystone)
command -v uwsgi_python3 >/dev/null || need+=(uwsgi-core uwsgi-plugin-python3)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
  echo "keystone-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
  "${APT[@]}" update >/dev/null || true
  "${APT[@]}" --no-install-recommends install "${need[@]}" >/dev/null
fi
echo "keystone-deps: ok (keystone $(dpkg-query -W -f='${Version}' python3-keystone 2>/dev/null), openstack CLI)" >&2
