import { Command } from 'commander';
import { FirepondError } from '../../infra/errors.ts';
import { registerAdminCommands } from './admin-commands.ts';
import { registerJobCommands } from './job-commands.ts';
import { registerServerCommands } from './server-commands.ts';
import { registerWorkerCommand } from './worker-command.ts';

const program = new Command('firepond').description('Firepond: smallpond and 3FS on Temporal');
registerServerCommands(program);
registerWorkerCommand(program);
registerJobCommands(program);
registerAdminCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof FirepondError) {
    console.error(`firepond: ${err.message} [${err.code}]`);
    process.exit(1);
  }
  throw err;
}
