/** Each character code's value as a lowercase hex digit, or -1: uppercase is refused so one id has one form. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

const DASH = 45;
/** Where each group of eight hex digits starts in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: dashes are skipped. */
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

/**
 * Writes the 128 bits of a lowercase UUID in its 36-character form into `out` as four int32 words, most
 * significant first, and returns true; returns false (leaving `out` partly written) for any other string.
 * Two strings give the same words only if they are the same string.
 */
export function uuidWords(id: string, out: Int32Array): boolean {
  if (id.length !== 36) return false;
  if (id.charCodeAt(8) !== DASH || id.charCodeAt(13) !== DASH || id.charCodeAt(18) !== DASH || id.charCodeAt(23) !== DASH) return false;
  for (let word = 0; word < 4; word++) {
    let value = 0;
    for (let k = word * 8; k < word * 8 + 8; k++) {
      const code = id.charCodeAt(DIGITS[k]);
      const digit = code < 128 ? HEX[code] : -1;
      if (digit < 0) return false;
      value = (value << 4) | digit;
    }
    out[word] = value;
  }
  return true;
}
