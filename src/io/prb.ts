/**
 * .prb probe files (klusta / phy / tridesclous): Python source defining
 * `channel_groups = {group: {'channels': [...], 'geometry': {ch: (x, y), ...}, 'graph': [...]}}`.
 * The file is parsed as data, never executed: a small tokenizer and parser accept Python literals
 * (numbers, strings, lists, tuples, dicts, True/False/None), names bound earlier in the file,
 * list(range(...)) and + - * / // % arithmetic. Anything else is an error naming the line.
 */
import * as fs from 'node:fs';
import { Probe, ProbeGroup } from '../core/probe.js';

export type PrbValue = number | string | boolean | null | PrbValue[] | PrbDict;
/** A Python dict; keys are kept as their Python repr-ish form ('0' for 0, 'a' for 'a'). */
export type PrbDict = Map<number | string, PrbValue>;

export function readPrb(path: string): ProbeGroup {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the .prb file (${(e as Error).message}): check the path`);
  }
  return prbToProbeGroup(text, path);
}

/** ProbeGroup from .prb source text: one probe per channel group, shank id = group key. */
export function prbToProbeGroup(source: string, where = '.prb'): ProbeGroup {
  const vars = parsePrbAssignments(source, where);
  const groups = vars.get('channel_groups');
  if (groups === undefined) throw new Error(`${where}: no 'channel_groups = {...}' assignment: this is not a .prb probe file`);
  if (!(groups instanceof Map)) throw new Error(`${where}: channel_groups must be a dict {group: {'channels': [...], 'geometry': {...}}}`);
  const probes: Probe[] = [];
  for (const [key, group] of groups) {
    const at = `${where}: channel_groups[${JSON.stringify(key)}]`;
    if (!(group instanceof Map)) throw new Error(`${at} must be a dict with 'channels' and 'geometry'`);
    const channels = group.get('channels');
    if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0)) {
      throw new Error(`${at}['channels'] must be a list of channel indices (integers >= 0)`);
    }
    const chans = channels as number[];
    const geometry = group.get('geometry');
    if (geometry === undefined) throw new Error(`${at} has no 'geometry': add 'geometry': {channel: (x, y), ...}`);
    const positions: number[] = [];
    chans.forEach((ch, i) => {
      let pos: PrbValue | undefined;
      if (geometry instanceof Map) pos = geometry.get(ch);
      else if (Array.isArray(geometry)) {
        if (geometry.length !== chans.length) throw new Error(`${at}['geometry'] is a list of ${geometry.length} positions for ${chans.length} channels`);
        pos = geometry[i];
      } else throw new Error(`${at}['geometry'] must be a dict {channel: (x, y)} or a list of (x, y)`);
      if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new Error(`${at}['geometry'] has no (x, y) position for channel ${ch} (got ${pos === undefined ? 'nothing' : pyRepr(pos)})`);
      }
      positions.push(pos[0] as number, pos[1] as number);
    });
    const shank = String(key);
    probes.push(
      new Probe({
        ndim: 2,
        positions,
        contactIds: chans.map(String),
        shankIds: chans.map(() => shank),
        deviceChannelIndices: chans,
      }),
    );
  }
  if (probes.length === 0) throw new Error(`${where}: channel_groups is empty: add at least one group`);
  return new ProbeGroup(probes);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

const PRB_SUBSET =
  'Only literal assignments (name = {...}, [...], numbers, strings, list(range(a, b)), arithmetic) are supported in .prb files; the file is read as data, never run';

type TokKind = 'num' | 'str' | 'name' | 'op' | 'nl' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  value?: number | string;
  line: number;
}

const OPS = ['//', '**', '(', ')', '[', ']', '{', '}', ',', ':', '=', '+', '-', '*', '/', '%', ';'];

function tokenize(src: string, where: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  const open: number[] = []; // line of each unclosed bracket
  const fail = (msg: string): never => {
    throw new Error(`${where}:${line}: ${msg}. ${PRB_SUBSET}`);
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      // Newlines inside brackets are whitespace, as in Python.
      if (open.length === 0) toks.push({ kind: 'nl', text: '\\n', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') i++;
    else if (c === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\n' ? 2 : 3;
      line++;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(src.slice(i))!;
      const text = m[0];
      const clean = text.replace(/_/g, '');
      const value = /^0[xX]/.test(clean) ? parseInt(clean, 16) : Number(clean);
      if (!Number.isFinite(value)) fail(`cannot read the number '${text}'`);
      toks.push({ kind: 'num', text, value, line });
      i += text.length;
    } else if (c === "'" || c === '"' || ((c === 'r' || c === 'u' || c === 'R' || c === 'U') && (src[i + 1] === "'" || src[i + 1] === '"'))) {
      const raw = c === 'r' || c === 'R';
      if (c !== "'" && c !== '"') i++;
      const q = src[i];
      if (src.startsWith(q.repeat(3), i)) fail('triple-quoted strings are not supported in .prb files');
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') fail('unterminated string');
        const ch = src[i];
        if (ch === q) break;
        if (ch === '\\' && !raw) {
          const e = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"', r: '\r', '0': '\0' };
          s += map[e] ?? '\\' + e;
          i += 2;
        } else {
          s += ch;
          i++;
        }
      }
      i++;
      toks.push({ kind: 'str', text: s, value: s, line });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      toks.push({ kind: 'name', text: m[0], line });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (!op) fail(`unexpected character '${c}'`);
      if (op === '(' || op === '[' || op === '{') open.push(line);
      if (op === ')' || op === ']' || op === '}') open.pop();
      toks.push({ kind: 'op', text: op!, line });
      i += op!.length;
    }
  }
  if (open.length > 0) {
    throw new Error(`${where}:${open[open.length - 1]}: a bracket opened here is never closed. ${PRB_SUBSET}`);
  }
  toks.push({ kind: 'nl', text: '\\n', line }, { kind: 'eof', text: 'end of file', line });
  return toks;
}

// ---------------------------------------------------------------------------------------------
// Parser: statements of the form NAME = expression.

/** Evaluates the literal assignments of a Python source file without executing it. */
export function parsePrbAssignments(src: string, where = 'python source'): Map<string, PrbValue> {
  const p = new Parser(tokenize(src, where), where);
  return p.program();
}

class Parser {
  private i = 0;
  readonly vars = new Map<string, PrbValue>();

  constructor(private readonly toks: Token[], private readonly where: string) {}

  private peek(): Token {
    return this.toks[this.i];
  }

  private take(): Token {
    return this.toks[this.i++];
  }

  private fail(msg: string, tok = this.peek()): never {
    throw new Error(`${this.where}:${tok.line}: ${msg}. ${PRB_SUBSET}`);
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  private expect(text: string): void {
    if (!this.isOp(text)) this.fail(`expected '${text}' but found '${this.peek().text}'`);
    this.i++;
  }

  program(): Map<string, PrbValue> {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return this.vars;
      if (t.kind === 'nl' || (t.kind === 'op' && t.text === ';')) {
        this.i++;
        continue;
      }
      if (t.kind !== 'name') this.fail(`expected an assignment, found '${t.text}'`);
      const target = this.take();
      if (!this.isOp('=')) this.fail(`'${target.text}' is not followed by '=': statements other than assignments`, target);
      this.i++;
      const value = this.expr();
      const end = this.peek();
      if (end.kind !== 'nl' && !(end.kind === 'op' && end.text === ';')) this.fail(`unexpected '${end.text}' after the value of '${target.text}'`);
      this.vars.set(target.text, value);
    }
  }

  private expr(): PrbValue {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.take();
      const right = this.term();
      left = this.binary(op, left, right);
    }
    return left;
  }

  private term(): PrbValue {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.take();
      const right = this.unary();
      left = this.binary(op, left, right);
    }
    return left;
  }

  private unary(): PrbValue {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.take();
      const v = this.unary();
      if (typeof v !== 'number') this.fail(`unary '${op.text}' needs a number`, op);
      return op.text === '-' ? -v : v;
    }
    return this.power();
  }

  private power(): PrbValue {
    const base = this.atom();
    if (this.isOp('**')) {
      const op = this.take();
      const exp = this.unary();
      if (typeof base !== 'number' || typeof exp !== 'number') this.fail(`'**' needs numbers`, op);
      return base ** exp;
    }
    return base;
  }

  private binary(op: Token, a: PrbValue, b: PrbValue): PrbValue {
    if (typeof a === 'number' && typeof b === 'number') {
      switch (op.text) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/':
          if (b === 0) this.fail('division by zero', op);
          return a / b;
        case '//':
          if (b === 0) this.fail('division by zero', op);
          return Math.floor(a / b);
        case '%':
          if (b === 0) this.fail('division by zero', op);
          return a - b * Math.floor(a / b);
      }
    }
    if (op.text === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (op.text === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
    if (op.text === '*' && Array.isArray(a) && typeof b === 'number' && Number.isInteger(b)) return Array.from({ length: Math.max(0, b) }, () => a).flat();
    return this.fail(`cannot apply '${op.text}' to ${pyType(a)} and ${pyType(b)}`, op);
  }

  private atom(): PrbValue {
    const t = this.take();
    if (t.kind === 'num') return t.value as number;
    if (t.kind === 'str') {
      let s = t.value as string;
      // Adjacent string literals concatenate, as in Python.
      while (this.peek().kind === 'str') s += this.take().value as string;
      return s;
    }
    if (t.kind === 'name') {
      if (t.text === 'True') return true;
      if (t.text === 'False') return false;
      if (t.text === 'None') return null;
      if (this.isOp('(')) return this.call(t);
      if (!this.vars.has(t.text)) this.fail(`name '${t.text}' is not defined earlier in the file`, t);
      return this.vars.get(t.text)!;
    }
    if (t.kind === 'op') {
      if (t.text === '[') return this.sequence(']');
      if (t.text === '(') {
        // Parenthesized expression or tuple (a trailing comma or more than one item makes a tuple).
        if (this.isOp(')')) {
          this.i++;
          return [];
        }
        const first = this.expr();
        if (this.isOp(')')) {
          this.i++;
          return first;
        }
        this.expect(',');
        const rest = this.isOp(')') ? (this.i++, []) : this.sequence(')');
        return [first, ...rest];
      }
      if (t.text === '{') return this.dict();
    }
    return this.fail(`unexpected '${t.text}'`, t);
  }

  /** Items up to the closing bracket, trailing comma allowed. The opening bracket is consumed. */
  private sequence(close: string): PrbValue[] {
    const items: PrbValue[] = [];
    while (!this.isOp(close)) {
      items.push(this.expr());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) this.fail(`expected ',' or '${close}' but found '${this.peek().text}'`);
    }
    this.i++;
    return items;
  }

  private dict(): PrbDict {
    const d: PrbDict = new Map();
    while (!this.isOp('}')) {
      const kt = this.peek();
      const key = this.expr();
      if (typeof key !== 'number' && typeof key !== 'string') this.fail(`dict keys must be numbers or strings, found ${pyType(key)}`, kt);
      this.expect(':');
      d.set(key as number | string, this.expr());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp('}')) this.fail(`expected ',' or '}' but found '${this.peek().text}'`);
    }
    this.i++;
    return d;
  }

  private call(fn: Token): PrbValue {
    this.expect('(');
    const args = this.sequence(')');
    switch (fn.text) {
      case 'range': {
        if (args.length < 1 || args.length > 3 || !args.every((a) => typeof a === 'number' && Number.isInteger(a))) {
          this.fail('range() takes 1 to 3 integers', fn);
        }
        const [a, b, step] = args.length === 1 ? [0, args[0] as number, 1] : [args[0] as number, args[1] as number, (args[2] as number) ?? 1];
        if (step === 0) this.fail('range() step must not be zero', fn);
        const out: number[] = [];
        for (let v = a; step > 0 ? v < b : v > b; v += step) out.push(v);
        if (out.length > 1e7) this.fail('range() is too long', fn);
        return out;
      }
      case 'list':
      case 'tuple': {
        if (args.length === 0) return [];
        if (args.length !== 1 || !Array.isArray(args[0])) this.fail(`${fn.text}() takes one list, tuple or range`, fn);
        return [...(args[0] as PrbValue[])];
      }
      case 'dict': {
        if (args.length === 0) return new Map();
        if (args.length === 1 && args[0] instanceof Map) return new Map(args[0]);
        return this.fail('dict() takes one dict', fn);
      }
      case 'int':
      case 'float': {
        if (args.length !== 1 || typeof args[0] !== 'number') this.fail(`${fn.text}() takes one number`, fn);
        return fn.text === 'int' ? Math.trunc(args[0] as number) : (args[0] as number);
      }
      default:
        return this.fail(`calling '${fn.text}()' is not supported`, fn);
    }
  }
}

function pyType(v: PrbValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : 'str';
}

function pyRepr(v: PrbValue): string {
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return JSON.stringify(v);
}
