// The `vfnet` command.
import { Command } from 'commander';
import { registerAgent } from './agent.js';
import { withConfigFile } from './config-apply.js';
import { ConfigFileError } from './config-file.js';
import { registerDemo } from './demo.js';
import { registerDiscover } from './discover.js';
import { registerDoctor } from './doctor.js';
import { registerLab } from './lab.js';
import { registerServe } from './serve.js';
import { registerStart } from './start.js';
import { registerSweep } from './sweep.js';

/** The command tree; its configured commands read the configuration file before their action. */
export function vfnetProgram(config: Parameters<typeof withConfigFile>[1] = {}): Command {
  const program = new Command('vfnet')
    .description('SR-IOV VFs for containers, with an exact account of who holds which')
    .showHelpAfterError();
  registerLab(program);
  registerDiscover(program);
  registerDoctor(program);
  registerAgent(program);
  registerServe(program);
  registerStart(program);
  registerSweep(program);
  registerDemo(program);
  return withConfigFile(program, config);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await vfnetProgram().parseAsync(argv);
  } catch (e) {
    // A usage error, as commander's own are: exit 2, and the action never ran.
    if (!(e instanceof ConfigFileError)) throw e;
    console.error(`vfnet: ${e.message}`);
    process.exitCode = 2;
  }
}
