import type { Logger } from 'pino';
import type { SeamError } from '../../contract/index.ts';

/**
 * Logs poison messages without letting a flood of them flood the log: the first `perWindow` in each
 * window are logged one by one, the rest are summed into one line when the window closes.
 */
export class PoisonLog {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
  ) {}

  record(topic: string, error: SeamError, now = Date.now()): void {
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        this.logger.warn({ suppressed: this.suppressed }, 'more poison messages were dead-lettered in the last window');
      }
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      this.logger.warn({ topic, code: error.code, field: error.field }, `dead-lettered: ${error.message}`);
    } else {
      this.suppressed++;
    }
  }
}
