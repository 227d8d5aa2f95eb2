// The vfnet node image for the deploy suite: built once by deploy/image/build.sh (which reuses
// an image whose inputs have not changed) in a podman store of the suite's own, under
// VFNET_TOOLS, so it outlives a run without touching the host's default store.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/paths.js';

const base = join(process.env.VFNET_TOOLS ?? '/var/tmp/vfnet-tools', 'image-podman');

/** podman with the suite's store; the settings are those this kind of host needs (test/support/podman.ts says why). */
export const PODMAN = [
  'podman',
  '--root',
  join(base, 'storage'),
  '--runroot',
  join(base, 'runroot'),
  '--tmpdir',
  join(base, 'tmp'),
  '--storage-driver',
  'vfs',
  '--cgroup-manager',
  'cgroupfs',
];

function containersConf(): string {
  mkdirSync(base, { recursive: true });
  const conf = join(base, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      'log_driver = "k8s-file"',
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      'lock_type = "file"',
      '',
    ].join('\n'),
  );
  return conf;
}

/** The environment podman and build.sh run with: the suite's containers.conf and store. */
export const podmanEnv = () => ({ ...process.env, CONTAINERS_CONF: containersConf(), PODMAN: PODMAN.join(' ') });

let built: string | undefined;

/** The image reference, building it on first use. */
export function nodeImage(): string {
  built ??= execFileSync('bash', [join(REPO_ROOT, 'deploy', 'image', 'build.sh')], {
    env: podmanEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
  return built;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `podman run --rm` of the image with these podman options and container arguments. */
export function runImage(podmanOpts: string[], args: string[]): Run {
  const [cmd, ...global] = PODMAN as [string, ...string[]];
  const r = spawnSync(cmd, [...global, 'run', '--rm', ...podmanOpts, nodeImage(), ...args], {
    env: podmanEnv(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
