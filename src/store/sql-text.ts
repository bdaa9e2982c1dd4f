// SQL text with `$n` parameters, built without drizzle: the SCIM searches compile a filter into a statement on
// every request, and drizzle's builder (entity checks and a query object per chunk) was about a tenth of the
// server's CPU for an indexed lookup. The subset of drizzle's `sql` template the searches use — fragments,
// parameters, `raw`, `join` — compiles to the same text drizzle writes for it, so the statements (and the
// prepared ones among them) are the same as before.

/** A fragment: `strings` around `values`; a value is a nested fragment (inlined) or a parameter. */
export class SqlText {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/** Tagged template: `sql\`a = ${value}\`` (a parameter) or `sql\`(${fragment})\`` (inlined). */
export function sql(strings: TemplateStringsArray | readonly string[], ...values: unknown[]): SqlText {
  return new SqlText(strings, values);
}

const EMPTY: readonly string[] = [''];

/** Text inserted as it is (identifiers, keywords, constant expressions; never a value from a request). */
sql.raw = (text: string): SqlText => new SqlText([text], []);

/** The fragments with `separator` between them. */
sql.join = (parts: readonly SqlText[], separator: SqlText): SqlText => {
  if (parts.length === 0) return new SqlText(EMPTY, []);
  const values: SqlText[] = [parts[0]!];
  for (let i = 1; i < parts.length; i++) values.push(separator, parts[i]!);
  return new SqlText(new Array<string>(values.length + 1).fill(''), values);
};

export interface Query {
  text: string;
  params: unknown[];
}

/** The statement's text (parameters numbered `$1`… in order of appearance) and its parameters. */
export function toQuery(fragment: SqlText): Query {
  const params: unknown[] = [];
  const parts: string[] = [];
  collect(fragment, params, parts);
  // One join, not `+=` per piece: concatenation builds a tree of cons strings (an object per piece) that the
  // driver flattens again to use as its prepared-statement key; a flat string is one object from the start.
  return { text: parts.join(''), params };
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
