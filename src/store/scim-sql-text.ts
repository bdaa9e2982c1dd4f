// The SCIM search's fast path for building SQL (used by scim-query.ts, scim-paging.ts and scim-search.ts only):
// they compile a filter into a statement on every request, and drizzle's `sql` (entity checks and a query object
// per chunk) was measured at about a tenth of the server's CPU for an indexed lookup. `scimSql` is the subset of
// drizzle's `sql` template the searches use — fragments, parameters, `raw`, `join` — and compiles to exactly the
// text and parameters drizzle's `sql` compiles the same fragments to (test/unit/scim-read-path.test.ts), so the
// statement runs through the store's one runner (database.ts `queryRows`) as any other. One difference by design:
// an array value is one parameter (drizzle's `sql.param(array)`), where drizzle's `sql` would spread it into a list.
// Anywhere else in the store, write drizzle's builder or drizzle's `sql`.
import type { CompiledQuery } from './database.js';

/** A fragment: `strings` around `values`; a value is a nested fragment (inlined) or a parameter. */
export class SqlText {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** Tagged template: `scimSql\`a = ${value}\`` (a parameter) or `scimSql\`(${fragment})\`` (inlined). */
export function scimSql(strings: TemplateStringsArray | readonly string[], ...values: unknown[]): SqlText {
  return new SqlText(strings, values);
}

const EMPTY: readonly string[] = [''];

/** Text inserted as it is (identifiers, keywords, constant expressions; never a value from a request). */
scimSql.raw = (text: string): SqlText => new SqlText([text], []);

/** The fragments with `separator` between them. */
scimSql.join = (parts: readonly SqlText[], separator: SqlText): SqlText => {
  if (parts.length === 0) return new SqlText(EMPTY, []);
  const values: SqlText[] = [parts[0]!];
  for (let i = 1; i < parts.length; i++) values.push(separator, parts[i]!);
  return new SqlText(new Array<string>(values.length + 1).fill(''), values);
};

/** The statement's text (parameters numbered `$1`… in order of appearance) and its parameters. */
export function compileScimSql(fragment: SqlText): CompiledQuery {
  const params: unknown[] = [];
  const parts: string[] = [];
  collect(fragment, params, parts);
  // One join, not `+=` per piece: concatenation builds a tree of cons strings (an object per piece) that the
  // driver flattens again to use as its prepared-statement key; a flat string is one object from the start.
  return { sql: parts.join(''), params };
}

function collect(fragment: SqlText, params: unknown[], parts: string[]): void {
  const { strings, values } = fragment;
  parts.push(strings[0]!);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof SqlText) collect(value, params, parts);
    else parts.push(`$${params.push(value)}`);
    parts.push(strings[i + 1]!);
  }
}
