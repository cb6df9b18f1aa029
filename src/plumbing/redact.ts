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
 * Free text (a decoder's stderr line, a driver's error message) with the password of every `scheme://user:pass@`
 * in it replaced: ffmpeg echoes the URL it was given, credentials included, in its own errors, and so does
 * a database driver its connection string. The password may hold a `/`: a connection string echoed as it was
 * written need not be a valid URL, and hiding too much here is better than too little.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@]*@/gi, '$1:***@');
}
