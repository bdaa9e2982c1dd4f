// Parses a SCIM filter expression (RFC 7644 §3.4.2.2) into a syntax tree of attribute paths as written.
// Precedence: not (with parentheses) > and > or; value paths `emails[type eq "work" and value co "@x"]`.
// Bounded: long or deeply nested input is refused before it can cost anything.
import { AppError } from '../domain/index.js';
import type { CompareOp, FilterValue } from '../store/index.js';

export interface RawPath {
  /** The schema URN prefix, when the path was written fully qualified. */
  urn?: string;
  /** Attribute names as written: ['name', 'familyName']. */
  names: string[];
}

export type RawFilter =
  | { op: 'and' | 'or'; left: RawFilter; right: RawFilter }
  | { op: 'not'; expr: RawFilter }
  | { op: CompareOp; path: RawPath; value: FilterValue }
  | { op: 'pr'; path: RawPath }
  | { op: 'valuePath'; path: RawPath; filter: RawFilter };

export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;
const MAX_NODES = 256;
const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

const invalid = (message: string) => new AppError('invalid_input', 'invalidFilter', message);

type Token = { kind: 'word' | 'string' | 'number' | 'punct'; text: string; value?: FilterValue; at: number };

const ATTR_PATH = /^[A-Za-z][A-Za-z0-9_$:.-]*$/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    if ('()[]'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
      continue;
    }
    if (ch === '"') {
      // A JSON string literal (RFC 7644 says compValue strings are JSON strings).
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) throw invalid(`Unterminated string starting at position ${i + 1}`);
      const literal = input.slice(i, j + 1);
      let value: string;
      try {
        value = JSON.parse(literal) as string;
      } catch {
        throw invalid(`Invalid string literal at position ${i + 1}`);
      }
      tokens.push({ kind: 'string', text: literal, value, at: i });
      i = j + 1;
      continue;
    }
    const match = /^[^\s()[\]"]+/.exec(input.slice(i));
    const text = match![0];
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) tokens.push({ kind: 'number', text, value: Number(text), at: i });
    else tokens.push({ kind: 'word', text, at: i });
    i += text.length;
  }
  return tokens;
}

function parsePath(text: string, at: number): RawPath {
  if (!ATTR_PATH.test(text) || text.endsWith('.') || text.includes('..'))
    throw invalid(`'${text}' at position ${at + 1} is not an attribute path`);
  if (text.toLowerCase().startsWith('urn:')) {
    const cut = text.lastIndexOf(':');
    const rest = text.slice(cut + 1);
    if (!rest) throw invalid(`'${text}' names a schema, not an attribute`);
    return { urn: text.slice(0, cut), names: rest.split('.') };
  }
  if (text.includes(':')) throw invalid(`'${text}' is not an attribute path`);
  return { names: text.split('.') };
}

/** Parses a filter; throws AppError `invalidFilter` (400) for anything that is not one. */
export function parseFilter(input: string): RawFilter {
  if (typeof input !== 'string' || input.trim() === '') throw invalid('The filter is empty');
  if (input.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(input);
  let pos = 0;
  let nodes = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toLowerCase() === word;
  const expect = (text: string) => {
    const t = tokens[pos];
    if (t?.kind !== 'punct' || t.text !== text) throw invalid(`Expected '${text}' ${t ? `at position ${t.at + 1}` : 'at the end'}`);
    pos++;
  };
  const count = <T>(node: T): T => {
    if (++nodes > MAX_NODES) throw invalid(`The filter has more than ${MAX_NODES} terms`);
    return node;
  };

  const parseOr = (depth: number, inValuePath: boolean): RawFilter => {
    let left = parseAnd(depth, inValuePath);
    while (isWord(peek(), 'or')) {
      pos++;
      left = count({ op: 'or', left, right: parseAnd(depth, inValuePath) });
    }
    return left;
  };
  const parseAnd = (depth: number, inValuePath: boolean): RawFilter => {
    let left = parseUnary(depth, inValuePath);
    while (isWord(peek(), 'and')) {
      pos++;
      left = count({ op: 'and', left, right: parseUnary(depth, inValuePath) });
    }
    return left;
  };
  const parseUnary = (depth: number, inValuePath: boolean): RawFilter => {
    if (depth > MAX_DEPTH) throw invalid(`The filter nests deeper than ${MAX_DEPTH} levels`);
    const t = peek();
    if (!t) throw invalid('The filter ends where an expression was expected');
    if (isWord(t, 'not')) {
      pos++;
      const next = peek();
      if (next?.kind === 'punct' && next.text === '(') {
        pos++;
        const expr = parseOr(depth + 1, inValuePath);
        expect(')');
        return count({ op: 'not', expr });
      }
      // Tolerated: `not userName eq "x"` (some clients omit the parentheses).
      return count({ op: 'not', expr: parseUnary(depth + 1, inValuePath) });
    }
    if (t.kind === 'punct' && t.text === '(') {
      pos++;
      const expr = parseOr(depth + 1, inValuePath);
      expect(')');
      return expr;
    }
    if (t.kind !== 'word') throw invalid(`Expected an attribute path at position ${t.at + 1}`);
    pos++;
    const path = parsePath(t.text, t.at);
    const next = peek();
    if (next?.kind === 'punct' && next.text === '[') {
      if (inValuePath) throw invalid('Value filters cannot be nested');
      pos++;
      const filter = parseOr(depth + 1, true);
      expect(']');
      return count({ op: 'valuePath', path, filter });
    }
    if (!next || next.kind !== 'word') throw invalid(`Expected an operator after '${t.text}'`);
    const op = next.text.toLowerCase();
    pos++;
    if (op === 'pr') return count({ op: 'pr', path });
    if (!COMPARE_OPS.has(op)) throw invalid(`'${next.text}' is not a SCIM operator`);
    const literal = peek();
    if (!literal) throw invalid(`Expected a value after '${next.text}'`);
    pos++;
    let value: FilterValue;
    if (literal.kind === 'string' || literal.kind === 'number') value = literal.value!;
    else if (literal.kind === 'word' && ['true', 'false', 'null'].includes(literal.text.toLowerCase())) {
      value = literal.text.toLowerCase() === 'null' ? null : literal.text.toLowerCase() === 'true';
    } else throw invalid(`'${literal.text}' at position ${literal.at + 1} is not a value (strings are quoted)`);
    return count({ op: op as CompareOp, path, value });
  };

  const tree = parseOr(0, false);
  if (pos < tokens.length) throw invalid(`Unexpected '${tokens[pos]!.text}' at position ${tokens[pos]!.at + 1}`);
  return tree;
}
