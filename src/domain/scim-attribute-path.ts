// SCIM User attribute paths as consent purposes name them (RFC 7643 §4.1, enterprise extension §4.3;
// path syntax of RFC 7644 §3.10 restricted to what a PII category needs): `displayName`,
// `name.givenName`, `emails`, `emails[type eq "work"].value`, `phoneNumbers[primary eq true]`,
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`. Parses them against the
// User schema, reads the values at a path (to show them) and removes them (when consent is withheld).
import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA, type ScimUserResource } from './scim-user.js';

type AttributeKind = 'simple' | 'complex' | 'multi';

interface AttributeDef {
  kind: AttributeKind;
  /** Sub-attributes of complex and multi-valued attributes. */
  sub?: readonly string[];
}

const MULTI_SUB = ['value', 'display', 'type', 'primary'] as const;

/** The core User attributes a person's data can live in (`id`, `meta`, `groups`, `password` are not PII categories). */
const CORE: Record<string, AttributeDef> = {
  userName: { kind: 'simple' },
  externalId: { kind: 'simple' },
  name: { kind: 'complex', sub: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'] },
  displayName: { kind: 'simple' },
  nickName: { kind: 'simple' },
  profileUrl: { kind: 'simple' },
  title: { kind: 'simple' },
  userType: { kind: 'simple' },
  preferredLanguage: { kind: 'simple' },
  locale: { kind: 'simple' },
  timezone: { kind: 'simple' },
  active: { kind: 'simple' },
  emails: { kind: 'multi', sub: MULTI_SUB },
  phoneNumbers: { kind: 'multi', sub: MULTI_SUB },
  ims: { kind: 'multi', sub: MULTI_SUB },
  photos: { kind: 'multi', sub: MULTI_SUB },
  addresses: {
    kind: 'multi',
    sub: ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary'],
  },
  entitlements: { kind: 'multi', sub: MULTI_SUB },
  roles: { kind: 'multi', sub: MULTI_SUB },
  x509Certificates: { kind: 'multi', sub: MULTI_SUB },
};

const ENTERPRISE: Record<string, AttributeDef> = {
  employeeNumber: { kind: 'simple' },
  costCenter: { kind: 'simple' },
  organization: { kind: 'simple' },
  division: { kind: 'simple' },
  department: { kind: 'simple' },
  manager: { kind: 'complex', sub: ['value', '$ref', 'displayName'] },
};

export interface AttributePath {
  /** Which schema holds the attribute. */
  schema: typeof SCIM_USER_SCHEMA | typeof SCIM_ENTERPRISE_USER_SCHEMA;
  /** Attribute name as the schema spells it (matched case-insensitively, as SCIM does). */
  attribute: string;
  /** Value filter of a multi-valued attribute: `[type eq "work"]` or `[primary eq true]`. */
  filter?: { attribute: 'type' | 'primary'; value: string | boolean };
  subAttribute?: string;
  /** The path written canonically (schema names' spelling, core URN dropped). */
  canonical: string;
}

export type PathParse = { ok: true; path: AttributePath } | { ok: false; reason: string };

const FILTER = /^\[\s*(type|primary)\s+eq\s+(?:"([^"\\]{1,64})"|(true|false))\s*\]/i;

function lookup(table: Record<string, AttributeDef>, name: string): [string, AttributeDef] | undefined {
  const key = Object.keys(table).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? [key, table[key]!] : undefined;
}

/** Parses a path against the SCIM User schema; the reason names what is wrong. */
export function parseAttributePath(input: string): PathParse {
  if (input.length === 0 || input.length > 300) return { ok: false, reason: 'must be 1 to 300 characters' };
  let rest = input.trim();
  let schema: AttributePath['schema'] = SCIM_USER_SCHEMA;
  for (const urn of [SCIM_ENTERPRISE_USER_SCHEMA, SCIM_USER_SCHEMA] as const) {
    if (rest.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) {
      schema = urn;
      rest = rest.slice(urn.length + 1);
      break;
    }
  }
  const table = schema === SCIM_ENTERPRISE_USER_SCHEMA ? ENTERPRISE : CORE;
  const name = /^[A-Za-z$][A-Za-z0-9_$-]*/.exec(rest)?.[0];
  if (!name) return { ok: false, reason: 'does not start with an attribute name' };
  const found = lookup(table, name);
  if (!found)
    return {
      ok: false,
      reason: `'${name}' is not an attribute of the ${schema === SCIM_USER_SCHEMA ? 'SCIM User' : 'enterprise User'} schema`,
    };
  const [attribute, def] = found;
  rest = rest.slice(name.length);
  let filter: AttributePath['filter'];
  if (rest.startsWith('[')) {
    if (def.kind !== 'multi') return { ok: false, reason: `'${attribute}' is not multi-valued, so it takes no [filter]` };
    const match = FILTER.exec(rest);
    if (!match) return { ok: false, reason: 'only [type eq "…"] and [primary eq true|false] filters are supported' };
    const filterAttribute = match[1]!.toLowerCase() as 'type' | 'primary';
    if (filterAttribute === 'type' && match[2] === undefined) return { ok: false, reason: 'type is compared with a "quoted" value' };
    if (filterAttribute === 'primary' && match[3] === undefined) return { ok: false, reason: 'primary is compared with true or false' };
    filter = { attribute: filterAttribute, value: filterAttribute === 'type' ? match[2]! : match[3]!.toLowerCase() === 'true' };
    rest = rest.slice(match[0].length);
  }
  let subAttribute: string | undefined;
  if (rest.startsWith('.')) {
    const subName = rest.slice(1);
    const sub = def.sub?.find((s) => s.toLowerCase() === subName.toLowerCase());
    if (!sub)
      return {
        ok: false,
        reason: def.sub ? `'${subName}' is not a sub-attribute of '${attribute}'` : `'${attribute}' has no sub-attributes`,
      };
    subAttribute = sub;
    rest = '';
  }
  if (rest !== '') return { ok: false, reason: `unexpected '${rest}'` };
  const filterText = filter
    ? filter.attribute === 'type'
      ? `[type eq "${String(filter.value)}"]`
      : `[primary eq ${String(filter.value)}]`
    : '';
  const local = `${attribute}${filterText}${subAttribute ? `.${subAttribute}` : ''}`;
  const canonical = schema === SCIM_USER_SCHEMA ? local : `${schema}:${local}`;
  return { ok: true, path: { schema, attribute, ...(filter ? { filter } : {}), ...(subAttribute ? { subAttribute } : {}), canonical } };
}

function container(resource: ScimUserResource, schema: AttributePath['schema']): Record<string, unknown> | undefined {
  if (schema === SCIM_USER_SCHEMA) return resource as Record<string, unknown>;
  const ext = resource[SCIM_ENTERPRISE_USER_SCHEMA];
  return ext && typeof ext === 'object' ? (ext as Record<string, unknown>) : undefined;
}

function ownKey(object: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
}

function matchesFilter(entry: unknown, filter: AttributePath['filter']): boolean {
  if (!filter) return true;
  if (!entry || typeof entry !== 'object') return false;
  const value = (entry as Record<string, unknown>)[filter.attribute];
  if (filter.attribute === 'primary') return (value === true) === filter.value;
  return typeof value === 'string' && value.toLowerCase() === String(filter.value).toLowerCase();
}

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value as object).some(present);
  return true;
}

/** The values at a path, for a person to read: strings, each multi-valued entry its own line. */
export function readAttributeValues(resource: ScimUserResource, path: AttributePath): string[] {
  const holder = container(resource, path.schema);
  const key = holder && ownKey(holder, path.attribute);
  const value = key ? holder![key] : undefined;
  if (!present(value)) return [];
  const show = (v: unknown): string | undefined => {
    if (!present(v)) return undefined;
    if (typeof v !== 'object') return String(v);
    const o = v as Record<string, unknown>;
    if (path.subAttribute) return present(o[path.subAttribute]) ? String(o[path.subAttribute]) : undefined;
    // A reference (manager) reads best by its name; a multi-valued entry by its value and type.
    if (typeof o.displayName === 'string') return o.displayName;
    if (typeof o.value === 'string' || typeof o.value === 'number')
      return o.type ? `${String(o.value)} (${String(o.type)})` : String(o.value);
    if (typeof o.formatted === 'string') return o.formatted;
    return Object.values(o)
      .filter((x) => typeof x === 'string' && x !== '')
      .join(' ');
  };
  if (Array.isArray(value)) {
    return value.filter((entry) => matchesFilter(entry, path.filter)).flatMap((entry) => show(entry) ?? []);
  }
  if (path.subAttribute && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)[path.subAttribute];
    return present(sub) ? [String(sub)] : [];
  }
  const shown = show(value);
  return shown === undefined ? [] : [shown];
}

/** Whether the resource holds anything at the path. */
export function hasAttributeValue(resource: ScimUserResource, path: AttributePath): boolean {
  return readAttributeValues(resource, path).length > 0;
}

/**
 * A copy of the resource without the data at the path. For multi-valued attributes the matching entries
 * go as a whole when the path names the attribute, its filter or its `value` (an entry without its value
 * means nothing); another sub-attribute is removed from the matching entries only.
 */
export function removeAttributeValue(resource: ScimUserResource, path: AttributePath): ScimUserResource {
  const copy = structuredClone(resource);
  const holder = container(copy, path.schema);
  const key = holder && ownKey(holder, path.attribute);
  if (!holder || !key) return copy;
  const value = holder[key];
  if (Array.isArray(value)) {
    const wholeEntries = !path.subAttribute || path.subAttribute === 'value';
    const kept = wholeEntries
      ? value.filter((entry) => !matchesFilter(entry, path.filter))
      : value.map((entry) => {
          if (!matchesFilter(entry, path.filter) || !entry || typeof entry !== 'object') return entry;
          const { [path.subAttribute!]: _removed, ...others } = entry as Record<string, unknown>;
          return others;
        });
    if (kept.length > 0) holder[key] = kept;
    else delete holder[key];
  } else if (path.subAttribute && value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const subKey = ownKey(object, path.subAttribute);
    if (subKey) delete object[subKey];
    if (!present(object)) delete holder[key];
  } else {
    delete holder[key];
  }
  if (path.schema === SCIM_ENTERPRISE_USER_SCHEMA && !present(holder)) {
    delete (copy as Record<string, unknown>)[SCIM_ENTERPRISE_USER_SCHEMA];
    copy.schemas = copy.schemas.filter((s) => s !== SCIM_ENTERPRISE_USER_SCHEMA);
  }
  return copy;
}

/**
 * A copy of `target` whose data at the path is `source`'s (removed when `source` has none there). Used
 * when consent is withheld for a user who already exists: the IdP's value does not come in, and the
 * value the user already had stays.
 */
export function copyAttributeValue(target: ScimUserResource, source: ScimUserResource | null, path: AttributePath): ScimUserResource {
  const cleared = removeAttributeValue(target, path);
  if (!source) return cleared;
  const from = container(source, path.schema);
  const fromKey = from && ownKey(from, path.attribute);
  const value = fromKey ? from![fromKey] : undefined;
  if (!present(value)) return cleared;
  if (path.schema === SCIM_ENTERPRISE_USER_SCHEMA && !container(cleared, path.schema)) {
    (cleared as Record<string, unknown>)[SCIM_ENTERPRISE_USER_SCHEMA] = {};
    if (!cleared.schemas.includes(SCIM_ENTERPRISE_USER_SCHEMA)) cleared.schemas = [...cleared.schemas, SCIM_ENTERPRISE_USER_SCHEMA];
  }
  const holder = container(cleared, path.schema)!;
  const key = ownKey(holder, path.attribute) ?? path.attribute;
  const current = holder[key];
  if (Array.isArray(value)) {
    const wholeEntries = !path.subAttribute || path.subAttribute === 'value';
    const matching = value.filter((entry) => matchesFilter(entry, path.filter));
    if (wholeEntries) {
      holder[key] = [...(Array.isArray(current) ? current : []), ...structuredClone(matching)];
    } else {
      // Sub-attribute of filtered entries: put back each matching entry's sub-attribute value.
      const entries = Array.isArray(current) ? current : [];
      holder[key] = entries.map((entry) => {
        if (!matchesFilter(entry, path.filter) || !entry || typeof entry !== 'object') return entry;
        const original = matching.find(
          (m) => m && typeof m === 'object' && (m as Record<string, unknown>).value === (entry as Record<string, unknown>).value,
        );
        const sub = original ? (original as Record<string, unknown>)[path.subAttribute!] : undefined;
        return sub === undefined ? entry : { ...(entry as object), [path.subAttribute!]: sub };
      });
    }
  } else if (path.subAttribute && value && typeof value === 'object') {
    const sub = (value as Record<string, unknown>)[path.subAttribute];
    if (present(sub))
      holder[key] = { ...(current && typeof current === 'object' ? (current as object) : {}), [path.subAttribute]: structuredClone(sub) };
  } else {
    holder[key] = structuredClone(value);
  }
  if (Array.isArray(holder[key]) && (holder[key] as unknown[]).length === 0) delete holder[key];
  return cleared;
}

/** Whether a path (a provenance key, say) names data inside what `claim` covers. */
export function pathCovers(claim: AttributePath, other: AttributePath): boolean {
  if (claim.schema !== other.schema || claim.attribute !== other.attribute) return false;
  if (
    claim.filter &&
    (!other.filter ||
      other.filter.attribute !== claim.filter.attribute ||
      String(other.filter.value).toLowerCase() !== String(claim.filter.value).toLowerCase())
  )
    return false;
  if (!claim.subAttribute) return true;
  return other.subAttribute === claim.subAttribute || (claim.subAttribute === 'value' && !other.subAttribute);
}
