/**
 * A URL as it may appear in logs and error messages: the password replaced, everything else kept so the
 * operator still sees which host and port was meant. Every box names brokers and stores this way.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparseable url>';
  }
}
