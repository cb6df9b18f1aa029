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

/**
 * Free text (a decoder's stderr line, an error message) with the password of every `scheme://user:pass@`
 * in it replaced: ffmpeg echoes the URL it was given, credentials included, in its own errors.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s/@]*@/gi, '$1:***@');
}
