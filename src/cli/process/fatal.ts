import type { SeamError } from '../../contract/index.ts';

/**
 * The one way a command ends on a coded error: one line on stderr, `seamline: CODE: message`, exit code 2.
 * No stack trace: the message names the flag, file or address at fault and what to do about it.
 */
export function printFatal(err: SeamError): never {
  process.stderr.write(`seamline: ${err.code}: ${err.message}\n`);
  process.exit(2);
}
