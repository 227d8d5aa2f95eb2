#!/usr/bin/python3
"""Load a Placement-compatible server with SR-IOV hosts, then time allocation-candidate queries.

Written in Python on purpose: the figures are what a Python client of Placement (nova's
scheduler report client uses urllib3 and json the same way) sees, decoding included. Only the
public API is used, so real Placement and vfnet get exactly the same requests.

Each host (names host00000, host00000-nic0, host00000-nic0-pf1, ...):
    root       VCPU 64, MEMORY_MB 262144, DISK_GB 2000
    2 NICs     trait CUSTOM_HW_NIC_ROOT, no inventory    (--tree host-pf: no NIC level)
    2 PFs/NIC  SRIOV_NET_VF 8; even PFs CUSTOM_PHYSNET_PUBLIC, odd ones CUSTOM_PHYSNET_INTRANET

Queries, each run --warmup times, then --repeat times timed (median and p90 reported), with the
number of candidates each must give per host:
    q1_1vf     VCPU:2,MEMORY_MB:2048 + group 1: SRIOV_NET_VF:1 on PUBLIC, isolate   2
    q2_2vf     the same with SRIOV_NET_VF:2                                         2
    q3_2ports  q1 + group 2: SRIOV_NET_VF:1 on INTRANET                             4
    q4_limit   q1 with limit=1000                                    min(1000, 2 per host)
    q5_unsfx   VCPU:2,MEMORY_MB:2048,SRIOV_NET_VF:1 on PUBLIC, one unnumbered group 2
    q6_4ports  (--stress) four groups of SRIOV_NET_VF:1 on PUBLIC, group_policy none 16

usage: populate.py URL [--hosts N] [--tree host-nic-pf|host-pf] [--repeat 15] [--warmup 3]
                   [--workers K] [--microversion 1.36] [--stress] [--skip-populate]
                   [--json OUT] [--baseline OTHER.json]
The server must be empty (or, with --skip-populate, hold an earlier run's data of the same shape).
--json writes every sample and count; --baseline compares with another server's --json: both
medians, their ratio (other / this: above 1, this server is faster) and whether counts agree.
Exit status 1 when a count is not the expected one ("MISMATCH") or differs from the baseline's.
"""
import argparse
import concurrent.futures
import json
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

PUBLIC, INTRANET, NIC_ROOT = 'CUSTOM_PHYSNET_PUBLIC', 'CUSTOM_PHYSNET_INTRANET', 'CUSTOM_HW_NIC_ROOT'


class Placement:
    """Every request on a new connection with noauth's admin token; counts what it sends."""

    def __init__(self, url, microversion):
        self.url = url.rstrip('/')
        self.microversion = microversion
        self.sent = 0

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            'x-auth-token': 'admin', 'accept': 'application/json',
            'openstack-api-version': 'placement ' + self.microversion,
            **({'content-type': 'application/json'} if data is not None else {})})
        self.sent += 1
        try:
            with urllib.request.urlopen(req, timeout=600) as res:
                raw = res.read()
        except urllib.error.HTTPError as e:
            raise SystemExit('%s %s: %d %s' % (method, path, e.code, e.read()[:400]))
        return (json.loads(raw) if raw else None), len(raw)


def inventory(total):
    return {'total': total, 'reserved': 0, 'min_unit': 1, 'max_unit': total, 'step_size': 1,
            'allocation_ratio': 1.0}


def add_host(api, i, tree, nics, pfs_per_nic, vfs):
    def provider(name, parent=None):
        rp = str(uuid.uuid4())
        api.request('POST', '/resource_providers', dict(
            name=name, uuid=rp, **({'parent_provider_uuid': parent} if parent else {})))
        return rp
    # A new provider has generation 0; each PUT below is the first (or second) change to it.
    host = provider('host%05d' % i)
    api.request('PUT', '/resource_providers/%s/inventories' % host, {
        'resource_provider_generation': 0,
        'inventories': {'VCPU': inventory(64), 'MEMORY_MB': inventory(262144), 'DISK_GB': inventory(2000)}})
    index = 0
    for n in range(nics):
        parent = host
        if tree == 'host-nic-pf':
            parent = provider('host%05d-nic%d' % (i, n), host)
            api.request('PUT', '/resource_providers/%s/traits' % parent,
                        {'resource_provider_generation': 0, 'traits': [NIC_ROOT]})
        for p in range(pfs_per_nic):
            pf = provider('host%05d-nic%d-pf%d' % (i, n, p), parent)
            api.request('PUT', '/resource_providers/%s/inventories' % pf,
                        {'resource_provider_generation': 0, 'inventories': {'SRIOV_NET_VF': inventory(vfs)}})
            api.request('PUT', '/resource_providers/%s/traits' % pf, {
                'resource_provider_generation': 1, 'traits': [INTRANET if index % 2 else PUBLIC]})
            index += 1


def query_set(stress):
    q1 = [('resources', 'VCPU:2,MEMORY_MB:2048'), ('resources1', 'SRIOV_NET_VF:1'),
          ('required1', PUBLIC), ('group_policy', 'isolate')]
    sets = [
        ('q1_1vf', q1, 2),
        ('q2_2vf', [(k, 'SRIOV_NET_VF:2' if k == 'resources1' else v) for k, v in q1], 2),
        ('q3_2ports', q1 + [('resources2', 'SRIOV_NET_VF:1'), ('required2', INTRANET)], 4),
        ('q4_limit', q1 + [('limit', '1000')], None),
        ('q5_unsfx', [('resources', 'VCPU:2,MEMORY_MB:2048,SRIOV_NET_VF:1'), ('required', PUBLIC)], 2),
    ]
    if stress:
        four = [('resources', 'VCPU:2,MEMORY_MB:2048')]
        for g in range(1, 5):
            four += [('resources%d' % g, 'SRIOV_NET_VF:1'), ('required%d' % g, PUBLIC)]
        sets.append(('q6_4ports', four + [('group_policy', 'none')], 16))
    return sets


def percentile90(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def against_baseline(result, path):
    with open(path) as f:
        other = json.load(f)
    agree = (other.get('hosts'), other.get('tree')) == (result['hosts'], result['tree'])
    if not agree:
        print('baseline is hosts=%s tree=%s; this run hosts=%s tree=%s' % (
            other.get('hosts'), other.get('tree'), result['hosts'], result['tree']))
    print('\n%-10s %12s %12s %8s  %s' % ('query', 'other_ms', 'this_ms', 'ratio', 'counts (a_reqs/p_sums)'))
    for name, mine in result['queries'].items():
        theirs = other.get('queries', {}).get(name)
        if not theirs:
            print('%-10s %12s %12.1f %8s' % (name, '-', mine['median_ms'], '-'))
            continue
        ours = (mine['allocation_requests'], mine['provider_summaries'])
        their = (theirs['allocation_requests'], theirs['provider_summaries'])
        agree = agree and ours == their
        print('%-10s %12.1f %12.1f %8.2f  %s' % (
            name, theirs['median_ms'], mine['median_ms'], theirs['median_ms'] / max(mine['median_ms'], 1e-6),
            'same %d/%d' % ours if ours == their else 'DIFFERENT this %d/%d other %d/%d' % (ours + their)))
    print('baseline: %s (%s)' % (path, other.get('base_url')))
    return agree


def main():
    ap = argparse.ArgumentParser(description='SR-IOV hosts into a Placement server; timed candidate queries.')
    ap.add_argument('url')
    ap.add_argument('--hosts', type=int, default=10)
    ap.add_argument('--tree', choices=('host-nic-pf', 'host-pf'), default='host-nic-pf')
    ap.add_argument('--nics', type=int, default=2)
    ap.add_argument('--pfs-per-nic', type=int, default=2)
    ap.add_argument('--vfs', type=int, default=8)
    ap.add_argument('--microversion', default='1.36')
    ap.add_argument('--repeat', type=int, default=15)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--skip-populate', action='store_true')
    ap.add_argument('--stress', action='store_true')
    ap.add_argument('--json')
    ap.add_argument('--baseline')
    a = ap.parse_args()
    api = Placement(a.url, a.microversion)
    result = {'base_url': a.url, 'hosts': a.hosts, 'tree': a.tree, 'microversion': a.microversion, 'queries': {}}

    if not a.skip_populate:
        for trait in (PUBLIC, INTRANET, NIC_ROOT):
            api.request('PUT', '/traits/' + trait)
        t0 = time.perf_counter()
        build = lambda i: add_host(api, i, a.tree, a.nics, a.pfs_per_nic, a.vfs)  # noqa: E731
        if a.workers > 1:
            with concurrent.futures.ThreadPoolExecutor(a.workers) as pool:
                list(pool.map(build, range(a.hosts)))
        else:
            for i in range(a.hosts):
                build(i)
        secs = time.perf_counter() - t0
        result.update(populate_s=round(secs, 2), populate_requests=api.sent)
        print('populated %d hosts (%s) with %d requests in %.1fs (%.1f req/s)' % (
            a.hosts, a.tree, api.sent, secs, api.sent / secs), flush=True)

    good = True
    print('%-10s %9s %9s %9s %7s %7s %9s  %s' % (
        'query', 'median_ms', 'p90_ms', 'min_ms', 'a_reqs', 'p_sums', 'bytes', 'expected'))
    for name, params, per_host in query_set(a.stress):
        path = '/allocation_candidates?' + urllib.parse.urlencode(params)
        for _ in range(a.warmup):
            api.request('GET', path)
        samples = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            body, size = api.request('GET', path)
            samples.append((time.perf_counter() - t0) * 1000.0)
        requests, summaries = len(body['allocation_requests']), len(body['provider_summaries'])
        expected = min(1000, 2 * a.hosts) if name == 'q4_limit' else per_host * a.hosts
        good = good and requests == expected
        median = statistics.median(samples)
        result['queries'][name] = {
            'path': path, 'median_ms': round(median, 2), 'p90_ms': round(percentile90(samples), 2),
            'min_ms': round(min(samples), 2), 'samples_ms': [round(s, 2) for s in samples],
            'allocation_requests': requests, 'provider_summaries': summaries, 'bytes': size,
            'expected_allocation_requests': expected}
        print('%-10s %9.1f %9.1f %9.1f %7d %7d %9d  %s%s' % (
            name, median, percentile90(samples), min(samples), requests, summaries, size, expected,
            '' if requests == expected else '  <-- MISMATCH'), flush=True)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(result, f, indent=1)
    if a.baseline:
        good = against_baseline(result, a.baseline) and good
    sys.exit(0 if good else 1)


if __name__ == '__main__':
    main()
