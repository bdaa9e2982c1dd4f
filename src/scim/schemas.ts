// scimmy, confined: the User (with the enterprise extension) and Group schema definitions, inbound
// validation of resources, and the quirks of real clients smoothed before validation (RFC 7643 §4, §8.7).
import SCIMMY from 'scimmy';
import { AppError, SCIM_ENTERPRISE_USER_SCHEMA, SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA, type ScimUserResource } from '../domain/index.js';

SCIMMY.Schemas.declare(SCIMMY.Schemas.User.definition);
SCIMMY.Schemas.declare(SCIMMY.Schemas.Group.definition);
if (!SCIMMY.Schemas.User.definition.attributes.some((a: unknown) => (a as { id?: string }).id === SCIM_ENTERPRISE_USER_SCHEMA)) {
  SCIMMY.Schemas.User.extend(SCIMMY.Schemas.EnterpriseUser as never, false);
}

export type ResourceKind = 'User' | 'Group';
export const schemaClass = (kind: ResourceKind) => (kind === 'User' ? SCIMMY.Schemas.User : SCIMMY.Schemas.Group);
export const coreSchemaId = (kind: ResourceKind) => (kind === 'User' ? SCIM_USER_SCHEMA : SCIM_GROUP_SCHEMA);

/** scimmy's attribute definition, as far as we read it. */
export interface AttributeDef {
  name: string;
  type: string;
  config: {
    multiValued?: boolean;
    caseExact?: boolean;
    mutable?: boolean | string;
    returned?: boolean | string;
    direction?: string;
    shadow?: boolean;
  };
  subAttributes?: AttributeDef[];
}
export interface SchemaDef {
  id: string;
  attributes: Array<AttributeDef | SchemaDef>;
}

export const definitionOf = (kind: ResourceKind) => schemaClass(kind).definition as unknown as SchemaDef;
export const isSchemaDef = (a: AttributeDef | SchemaDef): a is SchemaDef => typeof (a as SchemaDef).id === 'string' && !('type' in a);

/** Booleans some clients (Entra ID) send as "True"/"False" strings. */
const BOOLEAN_KEYS = new Set(['active', 'primary']);

/** Turns boolean-looking strings into booleans where the schema has a boolean (Entra ID sends "False"). */
export function normalizeBooleans(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && BOOLEAN_KEYS.has(key) && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (Array.isArray(value)) return value.map((v) => normalizeBooleans(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalizeBooleans(v, k)]));
  }
  return value;
}

/** A scimmy validation failure as a SCIM error (its TypeErrors are schema violations: 400 invalidValue). */
export function toScimValidationError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof SCIMMY.Types.Error) {
    const e = error as unknown as { status: number; scimType?: string; message: string };
    return new AppError(
      e.status === 404 ? 'not_found' : e.status === 409 ? 'conflict' : 'invalid_input',
      e.scimType ?? 'invalidValue',
      e.message,
    );
  }
  if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError) {
    return new AppError('invalid_input', 'invalidValue', error.message);
  }
  throw error;
}

/**
 * Validates an inbound resource against its schema: unknown schemas, wrong types and missing required
 * attributes are 400s. Returns the resource as stored: without id, meta and the read-only attributes.
 */
export function coerceInbound(kind: ResourceKind, body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('invalid_input', 'invalidSyntax', 'The request body must be a JSON object');
  const input = normalizeBooleans(body) as Record<string, unknown>;
  const schemas = input.schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw new AppError('invalid_input', 'invalidSyntax', "The resource needs a 'schemas' array");
  }
  const known = kind === 'User' ? [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_USER_SCHEMA] : [SCIM_GROUP_SCHEMA];
  const unknown = schemas.find((s) => !known.some((k) => k.toLowerCase() === s.toLowerCase()));
  if (unknown) throw new AppError('invalid_input', 'invalidValue', `Unknown schema '${unknown}'`);
  if (!schemas.some((s) => s.toLowerCase() === coreSchemaId(kind).toLowerCase())) {
    throw new AppError('invalid_input', 'invalidValue', `The resource must name the schema ${coreSchemaId(kind)}`);
  }
  // Extension attributes sit under their URN; a URN key that is not an object, or not a known extension, is
  // a client error. One the client forgot to list in `schemas` is listed for it, so it is validated too.
  for (const key of Object.keys(input)) {
    if (!key.toLowerCase().startsWith('urn:')) continue;
    const extension = known.find((k) => k.toLowerCase() === key.toLowerCase() && k !== coreSchemaId(kind));
    if (!extension) throw new AppError('invalid_input', 'invalidValue', `Unknown schema extension '${key}'`);
    const value = input[key];
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new AppError('invalid_input', 'invalidValue', `Extension '${key}' must be an object`);
    if (!schemas.some((s) => s.toLowerCase() === extension.toLowerCase())) input.schemas = [...schemas, extension];
  }
  const { id: _id, meta: _meta, groups: _groups, members: _members, password: _password, ...rest } = input;
  let coerced: Record<string, unknown>;
  try {
    coerced = coerceThroughDefinition(kind, rest);
  } catch (error) {
    throw toScimValidationError(error);
  }
  delete coerced.meta;
  delete coerced.id;
  delete coerced.groups;
  delete coerced.members;
  // Keep only the schemas actually used (the enterprise URN when its attributes are present).
  const used = [coreSchemaId(kind)];
  if (kind === 'User' && coerced[SCIM_ENTERPRISE_USER_SCHEMA] && Object.keys(coerced[SCIM_ENTERPRISE_USER_SCHEMA] as object).length)
    used.push(SCIM_ENTERPRISE_USER_SCHEMA);
  else delete coerced[SCIM_ENTERPRISE_USER_SCHEMA];
  coerced.schemas = used;
  return coerced;
}

/**
 * What `JSON.parse(JSON.stringify(new Schema(resource, 'in')))` gives, without the instance: scimmy's constructor
 * checks the core schema id, coerces the resource through the schema definition, then defines accessors for every
 * attribute on the instance and assigns the coerced values through them (coercing each a second time) before its
 * toJSON leaves out attributes never returned. That instance was about a tenth of a create's CPU; the definition's
 * coercion is the validation. (test/unit/scim-coerce.test.ts compares both on generated resources.)
 */
export function coerceThroughDefinition(kind: ResourceKind, resource: Record<string, unknown>): Record<string, unknown> {
  const definition = schemaClass(kind).definition;
  const schemas = resource.schemas;
  if (Array.isArray(schemas) && schemas.length && !schemas.includes(definition.id))
    throw new SCIMMY.Types.Error(400, 'invalidSyntax', 'The request body supplied a schema type that is incompatible with this resource');
  const coerced = definition.coerce(resource, 'in') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(coerced)) {
    const returned = definition.attribute(name)?.config?.returned;
    if (returned !== false && returned !== 'never') out[name] = value;
  }
  const json = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  // An extension with no values left is dropped with its schema id, as the instance's extension setter does.
  for (const extension of definition.attributes) {
    const id = (extension as { id?: string }).id;
    if (!id || !(id in json) || hasValues(json[id])) continue;
    delete json[id];
    if (Array.isArray(json.schemas)) json.schemas = (json.schemas as string[]).filter((s) => s !== id);
  }
  return json;
}

const hasValues = (value: unknown): boolean =>
  value !== null && typeof value === 'object' ? Object.values(value).some(hasValues) : value !== undefined;

export const asUserResource = (resource: Record<string, unknown>) => resource as unknown as ScimUserResource;
