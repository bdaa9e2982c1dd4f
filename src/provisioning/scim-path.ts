// SCIM attribute paths (RFC 7644 §3.10 / §3.5.2 path grammar, the subset claim mappings need): read, write and
// remove a value in a SCIM User resource by a path such as `userName`, `name.givenName`,
// `emails[type eq "work"].value`, or `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
import { SCIM_USER_SCHEMA, type ScimUserResource } from '../domain/index.js';

export interface ScimPath {
  /** Extension schema URN holding the attribute, or null for the core schema. */
  urn: string | null;
  attribute: string;
  /** A value filter on a multi-valued attribute: `[type eq "work"]`. */
  filter: { attribute: string; value: string | boolean } | null;
  subAttribute: string | null;
  /** The canonical spelling (core URN dropped), used as the provenance key. */
  key: string;
}

/** Multi-valued attributes of the core User schema (RFC 7643 §4.1.2). */
const MULTI_VALUED = new Set([
  'emails',
  'phonenumbers',
  'ims',
  'photos',
  'addresses',
  'groups',
  'entitlements',
  'roles',
  'x509certificates',
]);
export const isMultiValued = (attribute: string) => MULTI_VALUED.has(attribute.toLowerCase());

const PATH = /^([A-Za-z][\w$-]*)(?:\[\s*([A-Za-z][\w$-]*)\s+eq\s+(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*\])?(?:\.([A-Za-z][\w$-]*))?$/;

const cache = new Map<string, ScimPath>();

/** Parses a mapping target; throws a plain Error naming the path when it is not one we can write. */
export function parseScimPath(raw: string): ScimPath {
  const hit = cache.get(raw);
  if (hit) return hit;
  let urn: string | null = null;
  let rest = raw.trim();
  if (rest.toLowerCase().startsWith('urn:')) {
    // The attribute follows the URN's last colon (the URN itself contains colons and dots, e.g. "2.0").
    const at = rest.lastIndexOf(':');
    urn = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (urn.toLowerCase() === SCIM_USER_SCHEMA.toLowerCase()) urn = null;
  }
  const match = PATH.exec(rest);
  if (!match) throw new Error(`unsupported SCIM path '${raw}'`);
  const [, attribute, filterAttribute, quoted, bool, subAttribute] = match;
  const filter = filterAttribute
    ? { attribute: filterAttribute, value: bool !== undefined ? bool === 'true' : (quoted ?? '').replace(/\\(.)/g, '$1') }
    : null;
  const filterText = filter
    ? `[${filter.attribute} eq ${typeof filter.value === 'string' ? JSON.stringify(filter.value) : filter.value}]`
    : '';
  const key = `${urn ? `${urn}:` : ''}${attribute}${filterText}${subAttribute ? `.${subAttribute}` : ''}`;
  const parsed: ScimPath = { urn, attribute: attribute!, filter, subAttribute: subAttribute ?? null, key };
  if (cache.size > 1000) cache.clear();
  cache.set(raw, parsed);
  return parsed;
}

type Bag = Record<string, unknown>;

function container(resource: ScimUserResource, path: ScimPath, create: boolean): Bag | undefined {
  if (!path.urn) return resource as Bag;
  const existing = resource[path.urn] as Bag | undefined;
  if (existing || !create) return existing;
  const made: Bag = {};
  resource[path.urn] = made;
  if (!resource.schemas.includes(path.urn)) resource.schemas = [...resource.schemas, path.urn];
  return made;
}

const sameValue = (a: unknown, b: string | boolean) =>
  typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;

function findElement(list: unknown, path: ScimPath): Bag | undefined {
  if (!Array.isArray(list) || !path.filter) return undefined;
  const { attribute, value } = path.filter;
  return list.find((el) => el && typeof el === 'object' && sameValue((el as Bag)[attribute], value)) as Bag | undefined;
}

/** The value at a path, or undefined. `emails.value` reads the primary (else first) element. */
export function getAtPath(resource: ScimUserResource, path: ScimPath): unknown {
  const bag = container(resource, path, false);
  if (!bag) return undefined;
  const value = bag[path.attribute];
  if (path.filter) {
    const el = findElement(value, path);
    return el && path.subAttribute ? el[path.subAttribute] : el;
  }
  if (!path.subAttribute) return value;
  if (Array.isArray(value)) {
    const el = (value.find((v) => (v as Bag)?.primary === true) ?? value[0]) as Bag | undefined;
    return el?.[path.subAttribute];
  }
  return value && typeof value === 'object' ? (value as Bag)[path.subAttribute] : undefined;
}

const asElement = (v: unknown): Bag => (v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Bag) } : { value: v });

/** Writes a value at a path, creating containers and filtered elements as needed. */
export function setAtPath(resource: ScimUserResource, path: ScimPath, value: unknown): void {
  const bag = container(resource, path, true)!;
  const multi = !path.urn && isMultiValued(path.attribute);
  if (path.filter) {
    const list = Array.isArray(bag[path.attribute]) ? (bag[path.attribute] as Bag[]) : [];
    let el = findElement(list, path);
    if (!el) {
      el = { [path.filter.attribute]: path.filter.value };
      list.push(el);
    }
    if (path.subAttribute) el[path.subAttribute] = value;
    else Object.assign(el, asElement(value));
    bag[path.attribute] = list;
    return;
  }
  if (multi) {
    if (!path.subAttribute) {
      bag[path.attribute] = (Array.isArray(value) ? value : [value]).map(asElement);
      return;
    }
    // `emails.value`: the primary element's sub-attribute (a new primary element when there is none).
    const list = Array.isArray(bag[path.attribute]) ? (bag[path.attribute] as Bag[]) : [];
    let el = list.find((v) => v?.primary === true) ?? list[0];
    if (!el) {
      el = { primary: true };
      list.push(el);
    }
    el[path.subAttribute] = value;
    bag[path.attribute] = list;
    return;
  }
  if (!path.subAttribute) {
    bag[path.attribute] = value;
    return;
  }
  const complex = bag[path.attribute] && typeof bag[path.attribute] === 'object' ? (bag[path.attribute] as Bag) : {};
  complex[path.subAttribute] = value;
  bag[path.attribute] = complex;
}

/** Removes the value at a path and any container it leaves empty. */
export function removeAtPath(resource: ScimUserResource, path: ScimPath): void {
  const bag = container(resource, path, false);
  if (!bag || !(path.attribute in bag)) return;
  const value = bag[path.attribute];
  if (path.filter && Array.isArray(value)) {
    const el = findElement(value, path);
    if (el) {
      if (path.subAttribute) delete el[path.subAttribute];
      const meaningful = Object.keys(el).filter((k) => k !== path.filter!.attribute && k !== 'primary');
      if (!path.subAttribute || meaningful.length === 0) value.splice(value.indexOf(el), 1);
    }
    if (value.length === 0) delete bag[path.attribute];
  } else if (path.subAttribute && Array.isArray(value)) {
    const el = (value.find((v) => (v as Bag)?.primary === true) ?? value[0]) as Bag | undefined;
    if (el) {
      delete el[path.subAttribute];
      if (Object.keys(el).filter((k) => k !== 'primary' && k !== 'type').length === 0) value.splice(value.indexOf(el), 1);
    }
    if (value.length === 0) delete bag[path.attribute];
  } else if (path.subAttribute && value && typeof value === 'object') {
    delete (value as Bag)[path.subAttribute];
    if (Object.keys(value as Bag).length === 0) delete bag[path.attribute];
  } else {
    delete bag[path.attribute];
  }
  if (path.urn && Object.keys(bag).length === 0) {
    delete resource[path.urn];
    resource.schemas = resource.schemas.filter((s) => s !== path.urn);
  }
}
