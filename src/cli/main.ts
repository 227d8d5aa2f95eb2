// The `vfnet` command.
import { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerDemo } from './demo.js';
import { registerDiscover } from './discover.js';
import { registerDoctor } from './doctor.js';
import { registerLab } from './lab.js';
import { registerServe } from './serve.js';
import { registerStart } from './start.js';
import { registerSweep } from './sweep.js';

export async function main(argv: string[]): Promise<void> {
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
  await program.parseAsync(argv);
}
