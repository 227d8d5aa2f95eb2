// podman 4.3.1 with the CNI backend, set up as reference cni-spec-and-runtimes.md §3.4 says,
// entirely inside a scratch directory: its own containers.conf, storage, runroot, tmpdir and
// network_config_dir. Image: busybox-static imported with `podman import` (no registry).
//
// podman hands its own environment to CNI plugins, so whatever the plugin needs
// (VFNET_SYSFS_ROOT, VFNET_STATE_DIR) goes into podman's environment here.
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, type RunResult, run, runOk } from './exec.js';
import { rmdirIfEmpty } from './fs.js';
import { DEBIAN_CNI_DIR, PLUGIN_DIR } from './paths.js';
import type { Scratch } from './scratch.js';

export const BUSYBOX_IMAGE = 'localhost/vfnet-busybox:latest';
const BUSYBOX = '/bin/busybox';
const GLOBAL_CONTAINERS_DIR = '/var/lib/containers';
const RUNC_STATE_DIR = '/run/runc';
const APPLETS = ['sh', 'ip', 'ping', 'true', 'sleep', 'cat', 'ls'];

export interface PodmanOptions {
  /** Searched in order; joined by ':' this is the plugins' CNI_PATH. */
  pluginDirs?: string[];
  env?: Record<string, string>;
}

export class Podman {
  readonly base: string;
  readonly netDir: string;
  private readonly globalArgs: string[];
  private readonly env: Record<string, string>;

  private constructor(s: Scratch, opts: PodmanOptions) {
    this.base = s.mkdir('podman');
    this.netDir = s.mkdir('podman', 'net.d');
    const dirs = opts.pluginDirs ?? [PLUGIN_DIR, DEBIAN_CNI_DIR];
    const conf = join(this.base, 'containers.conf');
    // Each setting is needed on this host (reference §3.4): runc (crun fails on hybrid cgroups),
    // low ulimits (no CAP_SYS_RESOURCE), cgroupfs + file events + k8s-file (no systemd/journald).
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
        // File locks live under --tmpdir; the default SHM segment (/dev/shm/libpod_lock) is host-global.
        'lock_type = "file"',
        // The plugin's environment must also reach the podman that conmon starts for cleanup (it
        // does not inherit ours): without it that cleanup's CNI DEL looked in the default state dir,
        // found nothing, and podman then deleted the netns with the VF still inside.
        `env = [${Object.entries(opts.env ?? {})
          .map(([k, v]) => JSON.stringify(`${k}=${v}`))
          .join(', ')}]`,
        '[network]',
        'network_backend = "cni"',
        `cni_plugin_dirs = [${dirs.map((d) => JSON.stringify(d)).join(', ')}]`,
        `network_config_dir = ${JSON.stringify(this.netDir)}`,
        '',
      ].join('\n'),
    );
    // vfs, not overlay: no mounts can outlive a failed test, and the image is a single binary.
    this.globalArgs = [
      '--root',
      join(this.base, 'storage'),
      '--runroot',
      join(this.base, 'runroot'),
      '--tmpdir',
      join(this.base, 'tmp'),
      '--storage-driver',
      'vfs',
      '--cgroup-manager',
      'cgroupfs',
    ];
    this.env = { ...opts.env, CONTAINERS_CONF: conf };
    // containers/image keeps a blob-info cache in /var/lib/containers whatever --root says; remove
    // it when this harness is what created it.
    if (!existsSync(GLOBAL_CONTAINERS_DIR)) {
      s.defer(`rm -rf ${GLOBAL_CONTAINERS_DIR}`, () => rmSync(GLOBAL_CONTAINERS_DIR, { recursive: true, force: true }));
    }
    // runc keeps container state under /run/runc (empty once the containers are gone).
    if (!existsSync(RUNC_STATE_DIR)) s.defer(`rmdir ${RUNC_STATE_DIR}`, () => rmdirIfEmpty(RUNC_STATE_DIR));
    s.defer('podman rm -af', async () => {
      // Containers first (their netns and CNI DEL), then the store; `rm -rf` of the scratch follows.
      await this.podman(['rm', '-af', '-t', '0'], 120_000);
      await this.podman(['rmi', '-af'], 60_000);
    });
  }

  static async create(s: Scratch, opts: PodmanOptions = {}): Promise<Podman> {
    return new Podman(s, opts);
  }

  podman(args: string[], timeoutMs = 90_000): Promise<RunResult> {
    return run('podman', [...this.globalArgs, ...args], { env: this.env, timeoutMs });
  }

  async podmanOk(args: string[], timeoutMs?: number): Promise<RunResult> {
    const r = await this.podman(args, timeoutMs);
    if (r.status !== 0) throw new CommandError(r);
    return r;
  }

  /** A one-binary image: busybox-static and a few applet links. */
  async importBusybox(): Promise<string> {
    const rootfs = join(this.base, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    mkdirSync(join(rootfs, 'etc'), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    const tar = join(this.base, 'busybox-rootfs.tar');
    await runOk('tar', ['-C', rootfs, '-cf', tar, '.']);
    await this.podmanOk(['import', '--change', 'CMD ["/bin/sh"]', tar, BUSYBOX_IMAGE]);
    return BUSYBOX_IMAGE;
  }

  /** Writes `<name>.conflist` into podman's network_config_dir. */
  writeConflist(conflist: { name: string } & Record<string, unknown>): void {
    writeFileSync(join(this.netDir, `${conflist.name}.conflist`), JSON.stringify(conflist, null, 2));
  }
}
