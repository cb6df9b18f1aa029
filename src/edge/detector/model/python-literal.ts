/**
 * A parser for the Python literals Ultralytics writes into ONNX metadata_props (`str(value)` of dicts, lists,
 * tuples, strings, numbers, True/False/None) — e.g. `{0: 'person', 1: "kid's bike"}` — which are not JSON:
 * single quotes, Python escapes, integer keys, tuples, trailing commas. JSON's true/false/null are accepted
 * too, so a labels file written as JSON reads the same way. Anything else throws with the offset and reason.
 */
export type PyValue = string | number | boolean | null | PyValue[] | Map<string | number, PyValue>;

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\n': '',
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(reason: string): never {
    throw new Error(`${reason} at offset ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  parseAll(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected "${this.s[this.i]}" after the value`);
    return v;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end of text');
    if (c === '{') return this.dict();
    if (c === '[') return this.seq('[', ']');
    if (c === '(') return this.seq('(', ')');
    if (c === "'" || c === '"') return this.str();
    if (/[-+0-9.]/.test(c)) return this.num();
    const word = /^[A-Za-z_]+/.exec(this.s.slice(this.i))?.[0];
    const words: Record<string, PyValue> = { True: true, False: false, None: null, true: true, false: false, null: null };
    if (word !== undefined && word in words) {
      this.i += word.length;
      return words[word];
    }
    return this.fail(`unexpected "${c}"`);
  }

  private items(close: string, item: () => void): void {
    this.i++;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return;
      }
      item();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected "," or "${close}"`);
    }
  }

  private dict(): Map<string | number, PyValue> {
    const out = new Map<string | number, PyValue>();
    this.items('}', () => {
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number') this.fail('a dict key must be a string or a number');
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected ":" after a dict key');
      this.i++;
      out.set(key, this.value());
    });
    return out;
  }

  private seq(_open: string, close: string): PyValue[] {
    const out: PyValue[] = [];
    this.items(close, () => out.push(this.value()));
    return out;
  }

  private str(): string {
    const quote = this.s[this.i++];
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === quote) return out;
      if (c === '\n') this.fail('newline inside a string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === undefined) this.fail('unterminated string');
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else out += `\\${e}`; // Python keeps unknown escapes as written.
    }
  }

  private num(): number {
    const m = /^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    const text = m?.[0] ?? '';
    const n = Number(text.replace(/_/g, ''));
    if (text === '' || !/\d/.test(text) || !Number.isFinite(n)) this.fail('bad number');
    this.i += text.length;
    return n;
  }
}

/** Parses one Python literal; throws an Error saying where and why it is not one. */
export function parsePythonLiteral(text: string): PyValue {
  return new Parser(text).parseAll();
}
