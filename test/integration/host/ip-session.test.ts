// The long-lived `ip -batch` sessions behind IpLinks: their protocol holds up against failures,
// crashes and large outputs, and they work inside the Bun-compiled plugin's runtime as well as Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SessionIp } from '../../../src/host/iproute2/ip-session.js';

const isRoot = process.getuid?.() === 0;
const root = process.env.VFNET_ROOT ?? process.cwd();
const bun = join(root, 'node_modules', '.bin', 'bun');
const ns = `vfnet-sess-${process.pid}`;

describe('SessionIp', { skip: !isRoot && 'needs root' }, () => {
  const ip = new SessionIp();
  spawnSync('ip', ['netns', 'add', ns]);
  after(() => {
    ip.close();
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('answers show commands with ip\'s JSON and carries on after a failed command', () => {
    const lo = ip.run(null, ['link', 'show', 'dev', 'lo']);
    assert.equal(lo.ok, true);
    assert.equal(JSON.parse(lo.stdout)[0].ifname, 'lo');
    const missing = ip.run(null, ['link', 'show', 'dev', 'vfnet-none']);
    assert.deepEqual(missing, { ok: false, stdout: '', stderr: 'Device "vfnet-none" does not exist.\n' });
    const set = ip.run(`/var/run/netns/${ns}`, ['link', 'set', 'dev', 'lo', 'up']);
    assert.deepEqual(set, { ok: true, stdout: '', stderr: '' });
    assert.ok(JSON.parse(ip.run(`/var/run/netns/${ns}`, ['link', 'show', 'dev', 'lo']).stdout)[0].flags.includes('UP'));
  });

  it('reports a command that makes ip exit, and starts a new session for the next one', () => {
    const bad = ip.run(null, ['link', 'set', 'dev', 'lo', 'mtu', 'not-a-number']);
    assert.equal(bad.ok, false);
    assert.match(bad.stderr, /mtu/);
    assert.equal(ip.run(null, ['link', 'show', 'dev', 'lo']).ok, true);
  });

  it('reports a namespace that does not exist', () => {
    const r = ip.run('/var/run/netns/vfnet-no-such-ns', ['link', 'show', 'dev', 'lo']);
    assert.equal(r.ok, false);
    assert.match(r.stderr, /No such file or directory/);
  });

  it('keeps commands and answers paired over many commands', () => {
    for (let i = 0; i < 50; i++) {
      const all = ip.run(null, ['link', 'show']);
      assert.equal(all.ok, true);
      assert.ok(JSON.parse(all.stdout).some((l: { ifname: string }) => l.ifname === 'lo'));
      assert.equal(ip.run(null, ['link', 'show', 'dev', `vfnet-none${i}`]).ok, false);
      assert.equal(JSON.parse(ip.run(null, ['link', 'show', 'dev', 'lo']).stdout).length, 1);
    }
  });

  it('works under Bun, the plugin binary\'s runtime, with the same answers', { skip: !existsSync(bun) && 'bun not installed' }, () => {
    const script = `
      import { IpLinks } from ${JSON.stringify(join(root, 'src/host/iproute2/links.ts'))};
      const links = new IpLinks();
      const ns = ${JSON.stringify(`/var/run/netns/${ns}`)};
      links.setUp(ns, 'lo', false);
      const down = links.get(ns, 'lo');
      links.setUp(ns, 'lo', true);
      let err = null;
      try { links.rename(ns, 'vfnet-none', 'x'); } catch (e) { err = e.errno; }
      console.log(JSON.stringify({ down: down.up, up: links.get(ns, 'lo').up, err }));
      links.close();`;
    const r = spawnSync(bun, ['-e', script], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { down: false, up: true, err: 'ENODEV' });
  });
});
