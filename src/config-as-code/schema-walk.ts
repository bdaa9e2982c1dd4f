// Reading values through the file's JSON Schema: projecting an admin API answer onto the file's shape (only the
// keys the file has, in the schema's order), dropping values equal to their defaults, and finding secret fields
// and references. Only what the generated schema uses is understood: $ref, properties, items, anyOf/oneOf.
import { isDeepStrictEqual } from 'node:util';
import { REFERENCE_KEYWORD, SECTION_SOURCES, type JsonSchema, type SectionName } from './schema.js';

export class SchemaModel {
  constructor(readonly root: JsonSchema) {}

  private get defs(): Record<string, JsonSchema> {
    return this.root.$defs as Record<string, JsonSchema>;
  }

  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
      const target = this.defs[(current.$ref as string).replace('#/$defs/', '')];
      if (!target) throw new Error(`unknown $ref ${String(current.$ref)}`);
      current = { ...target, ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== '$ref')) };
    }
    return current;
  }

  entrySchema(section: SectionName): JsonSchema {
    return this.resolve({ $ref: `#/$defs/${SECTION_SOURCES[section].name}` });
  }

  settingsSchema(): JsonSchema {
    return this.resolve({ $ref: '#/$defs/Settings' });
  }

  /** The union branch `value` belongs to: the first whose required keys are present and whose enums it matches. */
  private branch(schema: JsonSchema, value: unknown): JsonSchema {
    const branches = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
    if (!branches) return schema;
    const resolved = branches.map((b) => this.resolve(b));
    if (!value || typeof value !== 'object' || Array.isArray(value)) return resolved[0]!;
    const record = value as Record<string, unknown>;
    const fits = (candidate: JsonSchema) => {
      const properties = (candidate.properties ?? {}) as Record<string, JsonSchema>;
      const required = (candidate.required ?? []) as string[];
      if (!required.every((key) => key in record)) return false;
      return Object.entries(properties).every(([key, property]) => {
        const allowed = this.resolve(property).enum as unknown[] | undefined;
        return !allowed || !(key in record) || allowed.includes(record[key]);
      });
    };
    return resolved.find(fits) ?? resolved[0]!;
  }

  /** `value` with only the keys the schema has, in its order (arrays item by item). */
  project(value: unknown, schema: JsonSchema): unknown {
    const resolved = this.branch(this.resolve(schema), value);
    if (Array.isArray(value)) {
      const items = resolved.items as JsonSchema | undefined;
      return items ? value.map((item) => this.project(item, items)) : value;
    }
    if (!value || typeof value !== 'object') return value;
    const properties = resolved.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return value;
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(properties)) {
      if (record[key] !== undefined) out[key] = this.project(record[key], property);
    }
    return out;
  }

  /** `value` without the members equal to their schema default (what the admin API would fill in anyway). */
  omitDefaults(value: unknown, schema: JsonSchema): unknown {
    const resolved = this.branch(this.resolve(schema), value);
    if (Array.isArray(value)) {
      const items = resolved.items as JsonSchema | undefined;
      return items ? value.map((item) => this.omitDefaults(item, items)) : value;
    }
    if (!value || typeof value !== 'object') return value;
    const properties = resolved.properties as Record<string, JsonSchema> | undefined;
    if (!properties) return value;
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      const property = properties[key] ? this.resolve(properties[key]) : undefined;
      if (property && 'default' in property && isDeepStrictEqual(member, property.default)) continue;
      out[key] = property ? this.omitDefaults(member, property) : member;
    }
    return out;
  }

  /** Paths of the fields that take a secret reference (`*` = any array item). */
  secretPaths(schema: JsonSchema): string[][] {
    return this.findPaths(schema, (node) => node.$ref === '#/$defs/SecretReference').map((hit) => hit.path);
  }

  /** Paths of the fields that name another resource, with the section they name. */
  referencePaths(schema: JsonSchema): Array<{ path: string[]; section: SectionName }> {
    return this.findPaths(schema, (node) => typeof node[REFERENCE_KEYWORD] === 'string').map((hit) => ({
      path: hit.path,
      section: hit.node[REFERENCE_KEYWORD] as SectionName,
    }));
  }

  private findPaths(schema: JsonSchema, match: (node: JsonSchema) => boolean) {
    const hits: Array<{ path: string[]; node: JsonSchema }> = [];
    const seen = new Set<string>();
    const visit = (node: JsonSchema, at: string[], depth: number) => {
      if (depth > 20) return;
      if (match(node)) {
        const key = at.join('/');
        if (!seen.has(key)) hits.push({ path: at, node });
        seen.add(key);
        return;
      }
      const resolved = this.resolve(node);
      for (const branch of [...((resolved.anyOf as JsonSchema[]) ?? []), ...((resolved.oneOf as JsonSchema[]) ?? [])])
        visit(branch, at, depth + 1);
      if (resolved.items) visit(resolved.items as JsonSchema, [...at, '*'], depth + 1);
      for (const [key, property] of Object.entries((resolved.properties ?? {}) as Record<string, JsonSchema>)) {
        visit(property, [...at, key], depth + 1);
      }
    };
    visit(schema, [], 0);
    return hits;
  }
}

/** Every concrete path in `value` that matches `pattern` (`*` = each array item). */
export function matchPaths(value: unknown, pattern: string[]): Array<Array<string | number>> {
  if (pattern.length === 0) return [[]];
  const [head, ...rest] = pattern;
  if (head === '*') {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => matchPaths(item, rest).map((tail) => [i, ...tail]));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const record = value as Record<string, unknown>;
  if (!(head! in record) || record[head!] === undefined) return [];
  return matchPaths(record[head!], rest).map((tail) => [head!, ...tail]);
}

export function getAt(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A copy of `value` with `path` set (or deleted when `next` is undefined). */
export function setAt(value: unknown, path: ReadonlyArray<string | number>, next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = setAt(copy[head as number], rest, next);
    return copy;
  }
  const copy = { ...((value as Record<string, unknown>) ?? {}) };
  if (rest.length === 0 && next === undefined) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, next);
  return copy;
}
