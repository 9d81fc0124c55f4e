/**
 * Python literals read as data, never evaluated: the .npy header dict and Phy's params.py.
 * Supports numbers (ints, floats, hex, inf/nan spelled as float('inf')), strings ('', "", r'', b'',
 * triple-quoted, adjacent concatenation), True/False/None, lists, tuples and dicts.
 */
export type PyValue = number | string | boolean | null | PyValue[] | PyDict;
export interface PyDict {
  [key: string]: PyValue;
}

class Parser {
  pos = 0;
  constructor(readonly text: string, readonly where: string) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw new Error(`${this.where}: line ${line}, column ${col}: ${what}`);
  }

  /** Skips spaces, comments and (inside brackets) newlines. */
  skip(newlines: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f') this.pos++;
      else if (c === '\\' && t[this.pos + 1] === '\n') this.pos += 2;
      else if (c === '\n' && newlines) this.pos++;
      else if (c === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  expect(ch: string, newlines: boolean): void {
    this.skip(newlines);
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}' but found ${this.describeHere()}`);
    this.pos++;
  }

  describeHere(): string {
    return this.pos >= this.text.length ? 'end of text' : `'${this.text.slice(this.pos, this.pos + 12).split('\n')[0]}'`;
  }

  value(nested: boolean): PyValue {
    this.skip(nested);
    const c = this.peek();
    if (c === '[') return this.sequence('[', ']');
    if (c === '(') return this.sequence('(', ')', true);
    if (c === '{') return this.dict();
    if (c === '-' || c === '+') {
      this.pos++;
      const v = this.value(nested);
      if (typeof v !== 'number') this.fail(`'${c}' must be followed by a number`);
      return c === '-' ? -v : v;
    }
    if (/[0-9.]/.test(c)) return this.number();
    if (/[rRbBuU'"]/.test(c)) {
      const s = this.maybeString(nested);
      if (s !== null) return s;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (m) {
      const word = m[0];
      if (word === 'True' || word === 'False' || word === 'None') {
        this.pos += word.length;
        return word === 'True' ? true : word === 'False' ? false : null;
      }
      if (word === 'float') return this.floatCall();
      this.fail(`'${word}' is not a literal (names, calls and expressions are not evaluated)`);
    }
    this.fail(`expected a value but found ${this.describeHere()}`);
  }

  /** float('inf'), float('-inf'), float('nan'): how Python writes non-finite floats in a repr. */
  floatCall(): number {
    this.pos += 'float'.length;
    this.expect('(', true);
    const v = this.value(true);
    this.expect(')', true);
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'inf' || s === '+inf' || s === 'infinity') return Infinity;
      if (s === '-inf' || s === '-infinity') return -Infinity;
      if (s === 'nan') return NaN;
      const n = Number(s);
      if (s !== '' && !Number.isNaN(n)) return n;
    }
    this.fail(`float(${JSON.stringify(v)}) is not a number`);
  }

  number(): number {
    const rest = this.text.slice(this.pos);
    const m =
      /^0[xX][0-9a-fA-F_]+/.exec(rest) ??
      /^0[oO][0-7_]+/.exec(rest) ??
      /^0[bB][01_]+/.exec(rest) ??
      /^(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(rest);
    if (!m) this.fail(`bad number ${this.describeHere()}`);
    this.pos += m[0].length;
    if (/^[jJLl]/.test(this.peek())) this.fail('complex and long-suffixed numbers are not supported');
    const s = m[0].replace(/_/g, '');
    const lower = s.toLowerCase();
    if (lower.startsWith('0o')) return parseInt(s.slice(2), 8);
    const n = Number(s);
    if (Number.isNaN(n)) this.fail(`bad number '${m[0]}'`);
    return n;
  }

  /** A string (with adjacent literals concatenated), or null when the prefix letters start a name. */
  maybeString(nested: boolean): string | null {
    let out: string | null = null;
    for (;;) {
      const m = /^([rRbBuU]{0,2})('''|"""|'|")/.exec(this.text.slice(this.pos));
      if (!m) break;
      const prefix = m[1].toLowerCase();
      if (prefix.includes('u') && prefix.length > 1) break;
      this.pos += m[0].length;
      const s = this.stringBody(m[2], prefix.includes('r'));
      out = (out ?? '') + s;
      const save = this.pos;
      this.skip(nested);
      if (!/^[rRbBuU]{0,2}['"]/.test(this.text.slice(this.pos))) {
        this.pos = save;
        break;
      }
    }
    return out;
  }

  stringBody(quote: string, raw: boolean): string {
    const t = this.text;
    let out = '';
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      if (t.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const c = t[this.pos];
      if (c === '\n' && quote.length === 1) this.fail('unterminated string (newline inside a quoted string)');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const n = t[this.pos + 1] ?? '';
      if (raw) {
        // In raw strings a backslash is kept, and it still protects the next quote character.
        out += c + n;
        this.pos += 2;
        continue;
      }
      this.pos += 2;
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'a': out += '\x07'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case "'": out += "'"; break;
        case '"': out += '"'; break;
        case '\n': break;
        case 'x': out += this.hexChar(2); break;
        case 'u': out += this.hexChar(4); break;
        case 'U': out += this.hexChar(8); break;
        default: out += '\\' + n;
      }
    }
  }

  hexChar(digits: number): string {
    const h = this.text.slice(this.pos, this.pos + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(h)) this.fail(`bad escape: expected ${digits} hex digits`);
    this.pos += digits;
    return String.fromCodePoint(parseInt(h, 16));
  }

  sequence(open: string, close: string, tuple = false): PyValue {
    this.expect(open, true);
    const items: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      this.skip(true);
      if (this.peek() === close) {
        this.pos++;
        // (x) is just x in parentheses; (x,) is a one-element tuple.
        if (tuple && items.length === 1 && !trailingComma) return items[0];
        return items;
      }
      if (items.length > 0 && !trailingComma) this.fail(`expected ',' or '${close}' but found ${this.describeHere()}`);
      items.push(this.value(true));
      trailingComma = false;
      this.skip(true);
      if (this.peek() === ',') {
        this.pos++;
        trailingComma = true;
      }
    }
  }

  dict(): PyDict {
    this.expect('{', true);
    const out: PyDict = {};
    for (;;) {
      this.skip(true);
      if (this.peek() === '}') {
        this.pos++;
        return out;
      }
      const key = this.value(true);
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
        this.fail('dict keys must be strings or numbers');
      }
      this.expect(':', true);
      out[String(key)] = this.value(true);
      this.skip(true);
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail(`expected ',' or '}' but found ${this.describeHere()}`);
    }
  }
}

/** Parses one Python literal expression (e.g. a .npy header dict). */
export function parsePyLiteral(text: string, where = 'python literal'): PyValue {
  const p: Parser = new Parser(text, where);
  const v = p.value(true);
  p.skip(true);
  if (p.pos < text.length) p.fail(`unexpected ${p.describeHere()} after the value`);
  return v;
}

/**
 * Parses a file of `name = literal` assignments (Phy's params.py) into a record.
 * Import lines and anything that is not a literal assignment are errors naming the line.
 */
export function parsePyAssignments(text: string, where = 'params.py'): Record<string, PyValue> {
  const p: Parser = new Parser(text.replace(/^\uFEFF/, ''), where);
  const out: Record<string, PyValue> = {};
  for (;;) {
    p.skip(true);
    if (p.pos >= p.text.length) return out;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(p.text.slice(p.pos));
    if (!m) p.fail(`expected 'name = value' but found ${p.describeHere()}`);
    p.pos += m[0].length;
    p.skip(false);
    if (p.peek() !== '=' || p.text[p.pos + 1] === '=') {
      p.fail(`expected '=' after '${m[0]}' (only 'name = literal' lines are read, nothing is executed)`);
    }
    p.pos++;
    out[m[0]] = p.value(false);
    p.skip(false);
    if (p.peek() === ';') p.pos++;
    p.skip(false);
    if (p.pos < p.text.length && p.peek() !== '\n') p.fail(`unexpected ${p.describeHere()} after the value of '${m[0]}'`);
  }
}

/** Python repr of a value, for writing params.py and .npy headers. */
export function toPyLiteral(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return "float('nan')";
    if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "float('-inf')";
    return String(v);
  }
  if (typeof v === 'string') return pyStringRepr(v);
  if (Array.isArray(v)) return `[${v.map(toPyLiteral).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyStringRepr(k)}: ${toPyLiteral(x)}`).join(', ')}}`;
}

export function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}
