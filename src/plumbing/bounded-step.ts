import type { Logger } from 'pino';

/**
 * One step of a stop, given at most `ms`: a step that does not finish (a worker that will not exit, a socket that
 * never closes) is logged by name and left behind, so the steps after it (committing, closing the store) still run
 * and a stop always ends. Resolves true when the step finished in time, false when it failed or was left.
 */
export async function boundedStep(logger: Logger, name: string, ms: number, work: () => unknown): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(work), late]);
    if (outcome !== 'late') return true;
    logger.warn({ step: name, ms }, 'a step of the stop did not finish in time; going on without it');
    return false;
  } catch (err) {
    logger.warn({ step: name, err: (err as Error).message }, 'a step of the stop failed; going on');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
