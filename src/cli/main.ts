import { Command, CommanderError } from 'commander';
import { isSeamError } from '../contract/index.ts';
import { benchCommand } from './commands/bench.ts';
import { chaosCommand } from './commands/chaos.ts';
import { consumerCommand } from './commands/consumer.ts';
import { edgeCommand } from './commands/edge.ts';
import { startCommand } from './commands/start.ts';

const program = new Command()
  .name('seamline')
  .description('Carries what factory cameras see to the people who run the floor, and loses nothing on the way.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(startCommand());
program.addCommand(edgeCommand());
program.addCommand(consumerCommand());
program.addCommand(benchCommand());
program.addCommand(chaosCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (isSeamError(err)) {
    process.stderr.write(`seamline: ${err.code}: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
