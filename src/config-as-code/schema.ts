// The JSON Schema of the configuration file, built from the admin API's own OpenAPI component schemas (which
// @hono/zod-openapi builds from the zod schemas the API validates with), so the file and the API cannot drift.
// Three changes turn an API input into a file entry:
//   - a write-only field (a secret) takes a reference, `${env:NAME}` or `${file:/path}`, never a value;
//   - an id of another resource (a uuid field) becomes that resource's name (x-jitbridge-reference says which);
//   - applications are one of two shapes, told apart by `protocol`: oidc (the default) or saml.
// The engine reads the same schema to find secret fields and references, defaults and the order of keys.
import { defaultSettings } from '../domain/index.js';
import { SECRET_REFERENCE_PATTERN } from './secret-references.js';

export type JsonSchema = Record<string, unknown>;

export const CONFIG_SCHEMA_ID = 'urn:jitbridge:schema:config';

/** The sections of the file: where each takes its entry schema in the admin API. */
export const SECTION_SOURCES = {
  userStores: { component: 'UserStoreCreate', name: 'UserStore' },
  identityProviders: { component: 'IdentityProviderInput', name: 'IdentityProvider' },
  consentPurposes: { component: 'ConsentPurposeCreate', name: 'ConsentPurpose' },
  // One of two shapes (APPLICATION_SHAPES), told apart by protocol: built below, not taken from one component.
  applications: { component: null, name: 'Application' },
  scimClients: { component: 'ScimClientCreate', name: 'ScimClient' },
  outboundConnectors: { component: 'OutboundConnectorCreate', name: 'OutboundConnector' },
} as const;
export type SectionName = keyof typeof SECTION_SOURCES;
export const SECTION_NAMES = Object.keys(SECTION_SOURCES) as SectionName[];

/** Where a resource id appears in an API input, and which section's names replace it in the file. */
const REFERENCES: Array<{ component: string; path: string[]; section: SectionName }> = [
  { component: 'ApplicationCreate', path: ['identityProviders', '*'], section: 'identityProviders' },
  { component: 'SamlApplicationCreate', path: ['identityProviders', '*'], section: 'identityProviders' },
  { component: 'SignInFlow', path: ['steps', '*', 'options', '*', 'idp'], section: 'identityProviders' },
];

/** The two shapes of an application entry, by protocol: the admin API's create bodies, under their file names. */
const APPLICATION_SHAPES = {
  oidc: { component: 'ApplicationCreate', name: 'OidcApplication' },
  saml: { component: 'SamlApplicationCreate', name: 'SamlApplication' },
} as const;

export const REFERENCE_KEYWORD = 'x-jitbridge-reference';

interface OpenApiDocument {
  components?: { schemas?: Record<string, JsonSchema> };
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Builds the file's JSON Schema from the admin API's OpenAPI document. */
export function buildConfigSchema(document: object): JsonSchema {
  const components = (document as OpenApiDocument).components?.schemas ?? {};
  const defs: Record<string, JsonSchema> = {};
  const renamed = new Map<string, string>(
    [...Object.values(SECTION_SOURCES), ...Object.values(APPLICATION_SHAPES)].flatMap((s) => (s.component ? [[s.component, s.name]] : [])),
  );
  const defName = (component: string) => renamed.get(component) ?? component;

  const include = (component: string) => {
    const name = defName(component);
    if (defs[name]) return;
    const source = components[component];
    if (!source) throw new Error(`the admin API has no component schema ${component}`);
    defs[name] = {}; // reserve against cycles
    const schema = clone(source);
    for (const reference of REFERENCES.filter((r) => r.component === component))
      markReference(schema, reference.path, reference.section, component);
    defs[name] = transform(schema, component, include, defName);
  };
  for (const section of Object.values(SECTION_SOURCES)) if (section.component) include(section.component);
  for (const shape of Object.values(APPLICATION_SHAPES)) include(shape.component);

  // Each shape: name first, then protocol, then the rest (the order export writes keys in).
  const oidc = defs[APPLICATION_SHAPES.oidc.name]!;
  const oidcProperties = oidc.properties as Record<string, JsonSchema>;
  oidc.properties = {
    name: oidcProperties.name,
    protocol: {
      type: 'string',
      enum: ['oidc'],
      default: 'oidc',
      description: 'The protocol the application signs in with: oidc (OpenID Connect, the default) or saml',
    },
    ...oidcProperties,
  };
  const saml = defs[APPLICATION_SHAPES.saml.name]!;
  const samlProperties = saml.properties as Record<string, JsonSchema>;
  saml.properties = {
    name: samlProperties.name,
    protocol: { ...samlProperties.protocol, description: 'saml: a SAML 2.0 service provider that signs in through jitbridge as its IdP' },
    ...samlProperties,
  };
  defs.Application = {
    description: 'An application: an OpenID Connect client (protocol oidc, the default) or a SAML service provider (protocol saml)',
    oneOf: [{ $ref: `#/$defs/${APPLICATION_SHAPES.oidc.name}` }, { $ref: `#/$defs/${APPLICATION_SHAPES.saml.name}` }],
  };
  defs.Settings = settingsSchema(components);
  defs.SecretReference = {
    type: 'string',
    pattern: SECRET_REFERENCE_PATTERN.source,
    description: 'A secret, by reference only: ${env:NAME} (an environment variable) or ${file:/path} (a file, trailing newline dropped)',
  };
  const remaining = findUuidFields(defs);
  if (remaining.length > 0) {
    throw new Error(`resource ids in the admin API input without a file reference (add them to REFERENCES): ${remaining.join(', ')}`);
  }

  const sectionProperties = Object.fromEntries(
    Object.entries(SECTION_SOURCES).map(([section, source]) => [
      section,
      { type: 'array', items: { $ref: `#/$defs/${source.name}` }, description: sectionDescriptions[section as SectionName] },
    ]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: CONFIG_SCHEMA_ID,
    title: 'jitbridge configuration',
    description:
      'The desired configuration of a jitbridge instance (jitbridge plan / apply / export). Resources are matched by name, ' +
      'never by id; secrets are given by reference only. Generated from the admin API schemas: do not edit.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: 'This schema, for editors' },
      settings: { $ref: '#/$defs/Settings' },
      ...sectionProperties,
    },
    additionalProperties: false,
    $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

const sectionDescriptions: Record<SectionName, string> = {
  userStores: 'User store domains, matched by domain (PRIMARY always exists and is never deleted)',
  identityProviders: 'Upstream identity providers with their JIT policy, matched by name (case-insensitive)',
  consentPurposes: 'JIT consent purposes, matched by purpose',
  applications:
    'Applications that sign in through jitbridge (OpenID Connect or SAML), matched by clientId (OIDC) or saml.entityId (SAML) when given, else by name',
  scimClients: 'SCIM clients, matched by name; their token is supplied by reference',
  outboundConnectors: 'Downstream SCIM 2.0 targets, matched by name',
};

/** Rewrites $refs to $defs, write-only fields to secret references; includes what is referenced. */
function transform(schema: JsonSchema, where: string, include: (c: string) => void, defName: (c: string) => string): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const object = node as JsonSchema;
    if (typeof object.$ref === 'string') {
      const component = object.$ref.replace('#/components/schemas/', '');
      include(component);
      return { ...object, $ref: `#/$defs/${defName(component)}` };
    }
    if (object.writeOnly === true) {
      const description = typeof object.description === 'string' ? object.description.replace(/^Write-only[.;]?\s*/i, '') : '';
      return {
        $ref: '#/$defs/SecretReference',
        description: `A secret: \${env:NAME} or \${file:/path}.${description ? ` ${description}` : ''}`,
      };
    }
    return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, walk(value)]));
  };
  void where;
  return walk(schema) as JsonSchema;
}

/** Replaces the uuid field at `path` (`*` = every array item or union branch) by a name of `section`. */
function markReference(schema: JsonSchema, path: string[], section: SectionName, component: string): void {
  let hits = 0;
  const visit = (node: JsonSchema, rest: string[]) => {
    for (const branch of [...((node.anyOf as JsonSchema[]) ?? []), ...((node.oneOf as JsonSchema[]) ?? [])]) visit(branch, rest);
    if (rest.length === 0) {
      if (node.format === 'uuid') {
        delete node.format;
        Object.assign(node, {
          minLength: 1,
          description: `The name of ${section === 'identityProviders' ? 'an identity provider' : section} (in this file or in the database)`,
          [REFERENCE_KEYWORD]: section,
        });
        hits += 1;
      }
      return;
    }
    const [head, ...tail] = rest;
    if (head === '*' && node.items) visit(node.items as JsonSchema, tail);
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    if (head !== '*' && properties?.[head!]) visit(properties[head!]!, tail);
  };
  visit(schema, path);
  if (hits === 0) throw new Error(`no uuid field at ${component}.${path.join('.')}: update REFERENCES in config-as-code/schema.ts`);
}

function findUuidFields(defs: Record<string, JsonSchema>): string[] {
  const found: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`));
    else if (node && typeof node === 'object') {
      if ((node as JsonSchema).format === 'uuid') found.push(at);
      for (const [key, value] of Object.entries(node)) walk(value, `${at}.${key}`);
    }
  };
  for (const [name, schema] of Object.entries(defs)) walk(schema, name);
  return found;
}

/** settings: the admin API's JitSettings, every field optional with its default (omitted = the default). */
function settingsSchema(components: Record<string, JsonSchema>): JsonSchema {
  const jit = clone(components.JitSettings);
  if (!jit) throw new Error('the admin API has no component schema JitSettings');
  const defaults = defaultSettings().jit as Record<string, unknown>;
  for (const [key, property] of Object.entries(jit.properties as Record<string, JsonSchema>)) {
    if (key in defaults) property.default = defaults[key];
  }
  delete jit.required;
  jit.additionalProperties = false;
  return {
    type: 'object',
    description: 'Server-wide settings. Omitted: left as they are. Given: every field not named takes its default.',
    properties: { jit },
    additionalProperties: false,
  };
}
