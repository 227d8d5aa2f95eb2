// `vfnet agent`: keeps this host's provider tree in a Placement-compatible service, over HTTP,
// or in the node's embedded store (--db), where the plugin claims VFs when its config names no
// `placement` service. The embedded store is written through the same API, in process.
// Exit status with --once: 0 in sync, 1 failed (or part of the tree not written), 2 in sync
// except what was held back and reported (a refused shrink, a vanished PF still in use).
// Without --once it runs until SIGINT/SIGTERM and then exits 0.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_TOKEN_FILE, placementToken } from '../accounting/token.js';
import { discover } from '../agent/discover.js';
import { AgentCode, AgentError } from '../agent/errors.js';
import { systemHostFacts } from '../agent/host-facts.js';
import { abortableSleep, runAgent } from '../agent/loop.js';
import { parsePhysnets } from '../agent/physnet.js';
import { HttpPlacementClient } from '../agent/placement-client.js';
import { renderPass } from '../agent/render.js';
import { IN_PROCESS_URL, inProcessPlacement } from '../api/in-process.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../placement/standard-names.js';
import { nodeDbPath } from '../store/node-paths.js';
import { openStore } from '../store/open.js';
import { startSweeping } from './agent-sweep.js';
import { collect, defaultSysfsRoot } from './discover.js';
import { DEFAULT_STATE_DIR, openHost } from './host-access.js';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1)
    throw new AgentError(AgentCode.badOption, `--interval ${JSON.stringify(value)}: expected a number of seconds ≥ 1`);
  return n;
}

interface AgentOptions {
  placement?: string;
  /** true: the default path. */
  db?: string | true;
  once?: boolean;
  interval: number;
  physnet: string[];
  sysfsRoot: string;
  hostname?: string;
  tokenFile?: string;
  json?: boolean;
  sweep: boolean;
  stateDir?: string;
  sriovCniDir?: string;
  cniPath: string;
}

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description(
      "register this host's provider tree (host → NICs → PFs with SRIOV_NET_VF) in a Placement service and keep it in sync",
    )
    .option(
      '--placement <url>',
      'a Placement-compatible service, e.g. http://127.0.0.1:8778 (OpenStack Placement or vfnet serve)',
    )
    .option(
      '--db [path]',
      `the node's embedded store instead of a service (default: VFNET_DB, else ${nodeDbPath({})}); the sriov plugin claims VFs there when its config has no "placement"`,
    )
    .option('--once', 'one pass, then exit with its status')
    .option('--interval <seconds>', 'seconds between passes', seconds, 60)
    .option('--physnet <pf=name>', 'physical network of a PF (netdev name or PCI address); repeatable', collect, [])
    .option('--sysfs-root <dir>', 'read sysfs under this root (a lab directory works too)', defaultSysfsRoot())
    .option('--hostname <name>', "host name for provider names and UUIDs (default: this machine's)")
    .option(
      '--token-file <path>',
      `file holding the x-auth-token to send (else VFNET_TOKEN, else VFNET_TOKEN_FILE or ${DEFAULT_TOKEN_FILE}; for a noauth2 vfnet serve: VFNET_TOKEN=admin)`,
    )
    .option('--json', 'one JSON line per pass instead of text')
    .option('--no-sweep', "don't sweep attachments nobody will DEL (at start, then every --interval; see vfnet sweep)")
    .option(
      '--state-dir <dir>',
      `the sriov plugin's state directory, for the sweep (default: VFNET_STATE_DIR, else ${DEFAULT_STATE_DIR} when --sysfs-root is /; with another root and neither, no sweep)`,
      process.env.VFNET_STATE_DIR,
    )
    .option(
      '--sriov-cni-dir <dir>',
      "sriov-cni's data dir, for the sweep (default as vfnet sweep's)",
      process.env.VFNET_SRIOV_CNI_DIR,
    )
    .option(
      '--cni-path <dirs>',
      'IPAM plugins, for the sweep of records that kept no CNI_PATH',
      process.env.CNI_PATH || '/opt/cni/bin',
    )
    .action(async (o: AgentOptions) => {
      if (o.db !== undefined && o.placement)
        throw new AgentError(AgentCode.badOption, 'give --placement URL or --db PATH, not both');
      if (o.db === undefined && !o.placement)
        throw new AgentError(AgentCode.badOption, '--placement URL or --db [PATH] is required');
      const physnets = parsePhysnets(o.physnet);
      const host = openHost(o.sysfsRoot);
      let api: HttpPlacementClient;
      let closeStore = async () => {};
      if (o.placement) {
        const token = placementToken(process.env, (p) => readFileSync(p, 'utf8'), o.tokenFile);
        if (!token) {
          throw new AgentError(
            AgentCode.badOption,
            `no token for ${o.placement}: give --token-file FILE or VFNET_TOKEN (for a noauth2 vfnet serve: VFNET_TOKEN=admin)`,
          );
        }
        api = new HttpPlacementClient(o.placement, { token });
      } else {
        const path = nodeDbPath({ db: typeof o.db === 'string' ? o.db : process.env.VFNET_DB });
        const store = await openStore(path);
        await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
        const local = inProcessPlacement(store);
        // The in-process API is this process's own, in noauth2 mode: the token names the caller.
        api = new HttpPlacementClient(IN_PROCESS_URL, { fetch: local.fetch, token: 'admin' });
        closeStore = async () => {
          await local.close();
          await store.close();
        };
      }
      // At start first: records of a previous boot are settled before anything else happens.
      // A lab (another sysfs root) has its own state directory: never sweep the node's by default.
      const stateDir = o.stateDir ?? (o.sysfsRoot === '/' ? DEFAULT_STATE_DIR : null);
      const sweeping =
        o.sweep && stateDir
          ? await startSweeping(
              {
                sysfsRoot: o.sysfsRoot,
                stateDir,
                sriovCniDir: o.sriovCniDir,
                hostname: o.hostname ?? hostname(),
                cniPath: o.cniPath,
                db: typeof o.db === 'string' ? o.db : undefined,
              },
              o.once === true ? null : o.interval * 1000,
              (line) => console.log(line),
            )
          : null;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        process.exitCode = await runAgent({
          discover: () => discover(host.sysfs, systemHostFacts({ hostname: o.hostname }), physnets),
          api,
          once: o.once === true,
          intervalMs: o.interval * 1000,
          sleep: abortableSleep,
          signal: stop.signal,
          onPass: (r) => {
            if (o.json) {
              console.log(
                JSON.stringify({
                  pass: r.pass,
                  at: r.at,
                  exit_code: r.exitCode,
                  providers: r.discovery?.providers.map((p) => ({ uuid: p.uuid, name: p.name })) ?? [],
                  ...r.sync,
                }),
              );
            } else {
              for (const line of renderPass(r)) console.log(line);
            }
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        sweeping?.stop();
        await closeStore();
      }
    });
}
