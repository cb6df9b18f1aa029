import { printFatal } from './process/fatal.ts';
import { buildProgram, refusal } from './program.ts';

const args = process.argv.slice(2);
try {
  await (await buildProgram(args)).parseAsync(args, { from: 'user' });
} catch (err) {
  const outcome = refusal(err, args);
  if (typeof outcome === 'number') process.exit(outcome);
  if (outcome) printFatal(outcome);
  throw err;
}
