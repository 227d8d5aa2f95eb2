// The `vfnet` command.
import { Command } from 'commander';
import { registerDemo } from './demo.js';
import { registerLab } from './lab.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('vfnet')
    .description('SR-IOV VFs for containers, with an exact account of who holds which')
    .showHelpAfterError();
  registerLab(program);
  registerDemo(program);
  await program.parseAsync(argv);
}
