// Reading the file: YAML 1.2 (JSON is a subset), kept as a document so that any path in it can be located
// (line and column) when a problem is reported. Duplicate keys, anchors gone wild and syntax errors are refused here.
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigFileError } from './errors.js';
import type { ConfigProblem } from './types.js';

/** A path into the file: keys and array indexes. */
export type FilePath = ReadonlyArray<string | number>;

export interface ParsedFile {
  name: string;
  sha256: string;
  value: unknown;
  /** Line and column (1-based) of the value at `path`, or of its nearest ancestor in the file. */
  locate(path: FilePath): { line: number; column: number } | undefined;
  /** A problem at `path`, located. */
  problem(path: FilePath, message: string, code?: string): ConfigProblem;
}

/** `identityProviders[2].oidc.issuer` */
export function formatPath(path: FilePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function parseConfigFile(name: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      name,
      doc.errors.map((error) => ({
        path: '',
        ...position(error.pos[0]),
        message: error.code === 'DUPLICATE_KEY' ? `duplicate key: ${firstLine(error.message)}` : firstLine(error.message),
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigFileError(name, [{ path: '', message: (error as Error).message }]);
  }
  const locate = (path: FilePath) => {
    const node = nodeAt(doc, path);
    return node?.range ? position(node.range[0]) : undefined;
  };
  return {
    name,
    sha256: sha256Hex(text),
    value,
    locate,
    problem: (path, message, code) => ({ path: formatPath(path), ...locate(path), message, ...(code ? { code } : {}) }),
  };
}

const firstLine = (message: string) => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

/** The node at `path`, or the deepest ancestor that exists (a missing key points at its parent). */
function nodeAt(doc: Document, path: FilePath): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      // A key whose value is empty (`key:`) has no value node: point at the key.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      node = item;
    } else break;
    found = node as Node;
  }
  return found;
}
