// Boots one throw-away lab guest through test/hardware/lab/run-in-guest.sh running
// scenarios/run-group.sh, and keeps everything it printed in a log file.

import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { CNITOOL, REPO_ROOT, SRIOV_BIN } from '../support/paths.js';
import { LAB_DIR, LAB_SCRIPTS } from './lab.js';

/** The plugin under test: the build, or another binary (VFNET_HW_PLUGIN) to try a fix without a rebuild. */
export const PLUGIN = process.env.VFNET_HW_PLUGIN ?? SRIOV_BIN;

export interface GroupSpec {
  name: string;
  igbCount: number;
  vfsPerPf: number;
  scenarios: string[];
  /** Seconds for the whole guest run (boot included); VFNET_HW_TIMEOUT overrides; default 540. */
  timeoutSecs?: number;
}

export interface GuestRun {
  status: number | null;
  output: string;
  wallMs: number;
}

/** Streams the guest's output to `logFile`, and SETUP / SCENARIO lines to `progress` as they come. */
export function runGroup(group: GroupSpec, logFile: string, progress: (line: string) => void): Promise<GuestRun> {
  const started = performance.now();
  const script = join(REPO_ROOT, 'test', 'hardware', 'scenarios', 'run-group.sh');
  const args = [
    join(LAB_SCRIPTS, 'run-in-guest.sh'),
    script,
    REPO_ROOT,
    CNITOOL,
    PLUGIN,
    String(group.vfsPerPf),
    ...group.scenarios,
  ];
  const timeout = process.env.VFNET_HW_TIMEOUT ?? String(group.timeoutSecs ?? 540);
  const child = spawn('bash', args, {
    // SRIOVLAB_DIR tells the scenarios where the lab's products are (netdevsim.ko).
    env: {
      ...process.env,
      LAB: LAB_DIR,
      SRIOVLAB_DIR: LAB_DIR,
      GUEST_ENV: 'SRIOVLAB_DIR',
      IGB_COUNT: String(group.igbCount),
      TIMEOUT: timeout,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  const chunks: string[] = [];
  let partial = '';
  const take = (b: Buffer) => {
    const s = b.toString('utf8');
    chunks.push(s);
    log.write(s);
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (/^(SETUP|SCENARIO|sriovlab:)/.test(l)) progress(l);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      log.end();
      resolve({ status, output: chunks.join(''), wallMs: performance.now() - started });
    });
  });
}
