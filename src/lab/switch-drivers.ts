// Who carries out the switch's steps (switch.ts). Two drivers for one meaning: iproute2 under
// Node (the `vfnet lab` CLI and the tests), and rtnetlink from the Bun plugin itself
// (netlink-switch.ts), which spawns nothing: the lab is the simulated host's hardware, and a
// real PF applies a VF setting without starting a process either.
import { type CommandRunner, Ip } from './commands.js';
import type { SwitchStep } from './switch.js';

export interface SwitchDriver {
  /**
   * Runs the steps in the switch's namespace (a name under /run/netns), in order; the first
   * failure throws a HostError. With `force`, failures are ignored (replays of a change that may
   * have been made already, or half made).
   */
  apply(switchNetns: string, steps: SwitchStep[], what: string, force?: boolean): void;
}

/** Each step as `ip` and `bridge` batch lines: at most three spawns for a change. */
export class IpSwitchDriver implements SwitchDriver {
  private readonly ip: Ip;

  constructor(runner?: CommandRunner) {
    this.ip = new Ip(runner);
  }

  apply(switchNetns: string, steps: SwitchStep[], what: string, force = false): void {
    const ip: string[] = [];
    const unpin: string[] = [];
    const pin: string[] = [];
    for (const s of steps) {
      switch (s.kind) {
        case 'bridge':
          ip.push(`link add name ${s.name} type bridge`, `link set ${s.name} up`);
          break;
        case 'master':
          ip.push(`link set ${s.port} master ${s.bridge}`);
          break;
        case 'up':
          ip.push(`link set ${s.port} ${s.up ? 'up' : 'down'}`);
          break;
        case 'spoof':
          // Locking also forgets what the port learned: a learned entry would let its MAC through.
          ip.push(
            `link set dev ${s.port} type bridge_slave ${s.pin ? 'learning off locked on fdb_flush' : 'locked off learning on'}`,
          );
          for (const mac of s.unpin) unpin.push(`fdb del ${mac} dev ${s.port} master`);
          if (s.pin) pin.push(`fdb replace ${s.pin} dev ${s.port} master static`);
          break;
      }
    }
    if (force) {
      this.ip.batchForce(switchNetns, ip);
    } else {
      this.ip.batch(switchNetns, ip, what);
    }
    // A stale entry may be gone already (its port changed bridge): never a failure.
    if (unpin.length) this.ip.runForce('bridge', ['-n', switchNetns, '-force', '-batch', '-'], `${unpin.join('\n')}\n`);
    if (pin.length === 0) return;
    const args = ['-n', switchNetns, ...(force ? ['-force'] : []), '-batch', '-'];
    if (force) this.ip.runForce('bridge', args, `${pin.join('\n')}\n`);
    else this.ip.run('bridge', args, what, `${pin.join('\n')}\n`);
  }
}
