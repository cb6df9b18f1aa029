/** What TEXT_PATTERN (identifiers.ts) refuses: C0 and C1 controls, and UTF-16 surrogates that have no partner. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const UNSTORABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/gu;

/**
 * Text Seamline writes itself (a dead letter's reason, a topic it quotes) made safe for every store and log,
 * losslessly for a reader: each refused character becomes its \uXXXX escape, and a backslash stays as it is.
 * With the `u` flag a paired surrogate is one code point and is left alone; only an unpaired one matches.
 */
export function escapeUnstorable(text: string): string {
  return text.replace(UNSTORABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
