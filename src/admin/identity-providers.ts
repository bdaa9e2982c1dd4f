// /api/v1/identity-providers: upstream OIDC and SAML identity providers, their claim and role mappings and their
// JIT policy (provisioning.jit as WSO2's IdP API shapes it). The OIDC client secret is write-only and sealed.
import { invalidateCache } from '../cache/index.js';
import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import {
  invalidInput,
  type FieldProblem,
  AS_IN_USERNAME,
  ATTRIBUTE_SYNC_METHODS,
  JIT_SCHEMES,
  type IdentityProvider,
  type OidcSettings,
  type SamlSettings,
  applyMergePatch,
  notFound,
} from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { defaultClaimMappings, parseIdpMetadata, toPem } from '../federation/index.js';
import {
  recordAudit,
  type Actor,
  type Tx,
  findIdentityProvider,
  findIdentityProviderSecrets,
  insertIdentityProvider,
  listIdentityProviders,
  updateIdentityProvider,
  type IdentityProviderInput,
  type IdentityProviderRecord,
  findUserStoreByDomain,
  sealedPlaces,
} from '../store/index.js';
import { deleteIdentityProviderWithUsers, IDP_USER_MODES } from '../accounts/index.js';
import { createAdminRouter, fieldProblems } from './router.js';
import { conflictResponse, errorResponses, IdParam, jsonBody, jsonContent, mergePatchBody, notFoundResponse, security } from './schemas.js';

// ---- schemas -------------------------------------------------------------------------------------------------

const endpoint = z.string().max(2000).openapi({ description: 'Absolute https URL (http only on loopback hosts)' });

const OidcInput = z
  .object({
    issuer: endpoint.openapi({
      example: 'https://login.example.com',
      description: 'Issuer; discovery at <issuer>/.well-known/openid-configuration unless the endpoints are given',
    }),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(2000).optional().openapi({
      writeOnly: true,
      description: 'Write-only; stored encrypted. Omit for a public client (PKCE only); on PUT, omitted keeps the stored secret',
    }),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
      .max(50)
      .default(['openid', 'profile', 'email']),
    authorizationEndpoint: endpoint.optional(),
    tokenEndpoint: endpoint.optional(),
    jwksUri: endpoint.optional(),
    userinfoEndpoint: endpoint.optional(),
  })
  .strict()
  .openapi('OidcSettingsInput');

const SamlInput = z
  .object({
    metadata: z
      .string()
      .max(500_000)
      .optional()
      .openapi({ description: 'The IdP metadata XML (alternative to entityId, ssoUrl and signingCertificate)' }),
    entityId: z.string().min(1).max(1000).optional(),
    ssoUrl: endpoint.optional().openapi({ description: 'SingleSignOnService location of the HTTP-Redirect binding' }),
    signingCertificate: z
      .string()
      .max(20_000)
      .optional()
      .openapi({ description: 'PEM or bare base64 X.509 certificate the IdP signs with' }),
    signingCertificates: z
      .array(z.string().max(20_000))
      .max(5)
      .optional()
      .openapi({ description: 'Several certificates (during a key rollover)' }),
    wantAssertionsSigned: z
      .boolean()
      .default(true)
      .openapi({ description: 'Require a signed Assertion (default true; false accepts a signed Response around an unsigned assertion)' }),
    nameIdFormat: z.string().max(500).optional(),
    subjectAttribute: z.string().min(1).max(500).optional().openapi({
      description:
        'Take the subject from this (single-valued) attribute instead of the NameID; needed when the IdP sends transient NameIDs',
    }),
  })
  .strict()
  .openapi('SamlSettingsInput');

const Mapping = z.object({ remote: z.string().min(1).max(500), local: z.string().min(1).max(500) }).strict();

const JitInput = z
  .object({
    isEnabled: z.boolean().default(true),
    scheme: z.enum(JIT_SCHEMES).default('PROVISION_SILENTLY'),
    userstore: z
      .string()
      .min(1)
      .max(64)
      .default('PRIMARY')
      .openapi({ description: `A user store domain, or ${AS_IN_USERNAME}` }),
    allowedUserStores: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .default(['PRIMARY'])
      .openapi({
        description: `With ${AS_IN_USERNAME}: the user stores a username's domain prefix may pick (a name without a known prefix goes to PRIMARY); a login naming another store is refused (user_store_not_allowed)`,
      }),
    associateLocalUser: z
      .boolean()
      .default(false)
      .openapi({ description: 'Link a new identity to the existing local user with the same verified email' }),
    associateByUsername: z.boolean().default(false).openapi({
      description:
        'Link a new identity to the existing local user with the same username: this IdP is trusted to assert local usernames. Off by default; the answer carries a warning while on',
    }),
    attributeSyncMethod: z
      .enum(ATTRIBUTE_SYNC_METHODS)
      .nullable()
      .default(null)
      .openapi({ description: 'null: settings.jit.preserveLocallyAddedClaims decides' }),
    mode: z.enum(['blocking', 'non-blocking']).default('blocking'),
  })
  .strict()
  .openapi('JitPolicy');

const IdpInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    protocol: z.enum(['oidc', 'saml']),
    enabled: z.boolean().default(true),
    trustEmail: z.boolean().default(false).openapi({ description: 'Treat emails from this IdP as verified even without email_verified' }),
    oidc: OidcInput.optional(),
    saml: SamlInput.optional(),
    claimMappings: z
      .array(Mapping)
      .max(200)
      .optional()
      .openapi({ description: 'Remote claim/attribute → SCIM path; omitted → defaults for the protocol' }),
    roleMappings: z.array(Mapping).max(500).default([]).openapi({ description: 'Remote role/group value → local group display name' }),
    provisioning: z
      .object({ jit: JitInput.default(JitInput.parse({})) })
      .strict()
      .default({ jit: JitInput.parse({}) }),
    inactiveAfterDays: z.number().int().min(1).max(3650).nullable().default(null),
  })
  .strict()
  .openapi('IdentityProviderInput');
type IdpInput = z.infer<typeof IdpInput>;

const IdpPatch = z.record(z.string(), z.unknown()).openapi('IdentityProviderPatch', {
  description: 'JSON merge patch over the identity provider (null removes a member); the result must be a valid IdentityProviderInput',
});

const IdpView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    protocol: z.enum(['oidc', 'saml']),
    enabled: z.boolean(),
    trustEmail: z.boolean(),
    oidc: z
      .object({
        issuer: z.string(),
        clientId: z.string(),
        hasClientSecret: z.boolean(),
        scopes: z.array(z.string()),
        authorizationEndpoint: z.string().optional(),
        tokenEndpoint: z.string().optional(),
        jwksUri: z.string().optional(),
        userinfoEndpoint: z.string().optional(),
        redirectUri: z.string().openapi({ description: 'Register this redirect URI at the IdP' }),
      })
      .optional(),
    saml: z
      .object({
        entityId: z.string(),
        ssoUrl: z.string(),
        signingCertificates: z.array(z.string()),
        wantAssertionsSigned: z.boolean(),
        nameIdFormat: z.string().optional(),
        subjectAttribute: z.string().optional(),
        metadata: z.string().optional(),
        sp: z
          .object({ entityId: z.string(), acsUrl: z.string(), metadataUrl: z.string() })
          .openapi({ description: 'Our service provider, as the IdP must know it' }),
      })
      .optional(),
    claimMappings: z.array(Mapping),
    roleMappings: z.array(Mapping),
    provisioning: z.object({ jit: JitInput }),
    inactiveAfterDays: z.number().int().nullable(),
    warnings: z
      .array(z.object({ code: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Settings that are allowed but risky, such as associateByUsername' }),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('IdentityProvider');

const IdpList = z.object({ items: z.array(IdpView) }).openapi('IdentityProviderList');

// ---- turning input into the domain shape -------------------------------------------------------------------

function checkUrl(value: string, field: string, problems: FieldProblem[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push({ field, message: 'not an absolute URL' });
    return;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    problems.push({ field, message: 'must be https (http only on loopback hosts)' });
  if (url.username || url.password) problems.push({ field, message: 'must not carry credentials' });
}

function normalizeOidc(input: z.infer<typeof OidcInput>, problems: FieldProblem[]): OidcSettings {
  const { clientSecret: _secret, ...settings } = input;
  checkUrl(settings.issuer, 'oidc.issuer', problems);
  const endpoints = ['authorizationEndpoint', 'tokenEndpoint', 'jwksUri', 'userinfoEndpoint'] as const;
  for (const key of endpoints) if (settings[key] !== undefined) checkUrl(settings[key], `oidc.${key}`, problems);
  const explicit = endpoints.filter((key) => settings[key] !== undefined);
  // Without discovery the three endpoints a login needs must all be known.
  if (explicit.length > 0) {
    for (const key of ['authorizationEndpoint', 'tokenEndpoint', 'jwksUri'] as const) {
      if (settings[key] === undefined)
        problems.push({ field: `oidc.${key}`, message: 'required when endpoints are given explicitly (or give none and use discovery)' });
    }
  }
  if (!settings.scopes.includes('openid')) problems.push({ field: 'oidc.scopes', message: "must include 'openid'" });
  return settings;
}

function normalizeSaml(input: z.infer<typeof SamlInput>, problems: FieldProblem[]): SamlSettings {
  const certificates = [...(input.signingCertificates ?? []), ...(input.signingCertificate ? [input.signingCertificate] : [])];
  if (input.metadata !== undefined) {
    const explicit = (['entityId', 'ssoUrl', 'signingCertificate', 'signingCertificates'] as const).filter((k) => input[k] !== undefined);
    for (const key of explicit)
      problems.push({ field: `saml.${key}`, message: 'give either metadata or entityId, ssoUrl and signingCertificate, not both' });
    const parsed = parseIdpMetadata(input.metadata);
    checkUrl(parsed.ssoUrl, 'saml.metadata', problems);
    return {
      entityId: parsed.entityId,
      ssoUrl: parsed.ssoUrl,
      signingCertificates: parsed.signingCertificates,
      wantAssertionsSigned: input.wantAssertionsSigned,
      ...((input.nameIdFormat ?? parsed.nameIdFormat) ? { nameIdFormat: input.nameIdFormat ?? parsed.nameIdFormat } : {}),
      metadata: input.metadata,
      ...(input.subjectAttribute ? { subjectAttribute: input.subjectAttribute } : {}),
    };
  }
  if (!input.entityId) problems.push({ field: 'saml.entityId', message: 'required (or give metadata)' });
  if (!input.ssoUrl) problems.push({ field: 'saml.ssoUrl', message: 'required (or give metadata)' });
  else checkUrl(input.ssoUrl, 'saml.ssoUrl', problems);
  if (certificates.length === 0) problems.push({ field: 'saml.signingCertificate', message: 'required (or give metadata)' });
  const pems = certificates.map(toPem);
  pems.forEach((pem, i) => {
    if (!/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/.test(pem))
      problems.push({ field: `saml.signingCertificates.${i}`, message: 'not a PEM or base64 certificate' });
  });
  return {
    entityId: input.entityId ?? '',
    ssoUrl: input.ssoUrl ?? '',
    signingCertificates: pems,
    wantAssertionsSigned: input.wantAssertionsSigned,
    ...(input.nameIdFormat ? { nameIdFormat: input.nameIdFormat } : {}),
    ...(input.subjectAttribute ? { subjectAttribute: input.subjectAttribute } : {}),
  };
}

/** Validates what zod cannot (protocol sections, URLs, the user store) and builds the domain shape. */
async function toDomain(
  ctx: AppContext,
  input: IdpInput,
): Promise<{ idp: Omit<IdentityProvider, 'id'>; clientSecret: string | undefined }> {
  const problems: FieldProblem[] = [];
  const other = input.protocol === 'oidc' ? 'saml' : 'oidc';
  if (input[other] !== undefined) problems.push({ field: other, message: `not allowed for protocol '${input.protocol}'` });
  if (input[input.protocol] === undefined) problems.push({ field: input.protocol, message: `required for protocol '${input.protocol}'` });
  const oidc = input.protocol === 'oidc' && input.oidc ? normalizeOidc(input.oidc, problems) : undefined;
  const saml = input.protocol === 'saml' && input.saml ? normalizeSaml(input.saml, problems) : undefined;
  const jit = { ...input.provisioning.jit };
  if (jit.userstore.toUpperCase() === AS_IN_USERNAME) jit.userstore = AS_IN_USERNAME;
  else {
    const store = await findUserStoreByDomain(ctx.store.db, jit.userstore);
    if (!store)
      problems.push({
        field: 'provisioning.jit.userstore',
        message: `user store '${jit.userstore}' does not exist (or use ${AS_IN_USERNAME})`,
      });
    else jit.userstore = store.domain;
  }
  const allowed: string[] = [];
  for (const [i, domain] of jit.allowedUserStores.entries()) {
    const store = await findUserStoreByDomain(ctx.store.db, domain);
    if (!store) problems.push({ field: `provisioning.jit.allowedUserStores.${i}`, message: `user store '${domain}' does not exist` });
    else if (!allowed.includes(store.domain)) allowed.push(store.domain);
  }
  jit.allowedUserStores = allowed;
  if (problems.length) throw invalidInput('validation_failed', `Invalid body: ${problems.map((p) => p.field).join(', ')}`, problems);
  return {
    idp: {
      name: input.name,
      protocol: input.protocol,
      enabled: input.enabled,
      trustEmail: input.trustEmail,
      ...(oidc ? { oidc } : {}),
      ...(saml ? { saml } : {}),
      claimMappings: input.claimMappings ?? defaultClaimMappings(input.protocol),
      roleMappings: input.roleMappings,
      jit,
      inactiveAfterDays: input.inactiveAfterDays,
    },
    clientSecret: input.protocol === 'oidc' ? input.oidc?.clientSecret : undefined,
  };
}

/** The stored IdP in input form (no secret), the base a merge patch applies to. */
function toInputView(idp: IdentityProviderRecord): Record<string, unknown> {
  const saml = idp.saml
    ? idp.saml.metadata !== undefined
      ? {
          metadata: idp.saml.metadata,
          wantAssertionsSigned: idp.saml.wantAssertionsSigned,
          ...(idp.saml.nameIdFormat ? { nameIdFormat: idp.saml.nameIdFormat } : {}),
          ...(idp.saml.subjectAttribute ? { subjectAttribute: idp.saml.subjectAttribute } : {}),
        }
      : {
          entityId: idp.saml.entityId,
          ssoUrl: idp.saml.ssoUrl,
          signingCertificates: idp.saml.signingCertificates,
          wantAssertionsSigned: idp.saml.wantAssertionsSigned,
          ...(idp.saml.nameIdFormat ? { nameIdFormat: idp.saml.nameIdFormat } : {}),
          ...(idp.saml.subjectAttribute ? { subjectAttribute: idp.saml.subjectAttribute } : {}),
        }
    : undefined;
  return {
    name: idp.name,
    protocol: idp.protocol,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    ...(idp.oidc ? { oidc: { ...idp.oidc } } : {}),
    ...(saml ? { saml } : {}),
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    provisioning: { jit: idp.jit },
    inactiveAfterDays: idp.inactiveAfterDays,
  };
}

export function presentIdentityProvider(publicUrl: string, idp: IdentityProviderRecord): z.infer<typeof IdpView> {
  const base = `${publicUrl}/federation/${idp.id}`;
  return {
    id: idp.id,
    name: idp.name,
    protocol: idp.protocol,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    ...(idp.oidc ? { oidc: { ...idp.oidc, hasClientSecret: idp.hasClientSecret, redirectUri: `${base}/callback` } } : {}),
    ...(idp.saml
      ? {
          saml: {
            ...idp.saml,
            sp: { entityId: `${base}/saml/metadata`, acsUrl: `${base}/saml/acs`, metadataUrl: `${base}/saml/metadata` },
          },
        }
      : {}),
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    provisioning: { jit: idp.jit },
    inactiveAfterDays: idp.inactiveAfterDays,
    ...(idp.jit.associateByUsername
      ? {
          warnings: [
            {
              code: 'associate_by_username',
              message:
                `Identity provider '${idp.name}' links new identities to existing local users by username: anyone who can ` +
                `choose their username at this IdP can take over the local account of that name. Keep this on only ` +
                `if the IdP is trusted to assert local usernames.`,
            },
          ],
        }
      : {}),
    version: idp.version,
    createdAt: idp.createdAt.toISOString(),
    updatedAt: idp.updatedAt.toISOString(),
  };
}

// ---- deletion ------------------------------------------------------------------------------------------------

// What happens to the IdP's users is decided in accounts/idp-deletion.ts (issue 7): detach (default),
// disable or delete; with settings.jit.enhancedFeature on, its JIT users are deleted; a dry run counts; past
// settings.jit.idpDeleteThreshold the deletion needs force.
const DeleteQuery = z.object({
  dryRun: z.enum(['true', 'false']).optional().openapi({ description: '`true`: answer what the deletion would do and change nothing' }),
  force: z.enum(['true', 'false']).optional().openapi({ description: '`true`: go ahead past settings.jit.idpDeleteThreshold' }),
  users: z.enum(IDP_USER_MODES).optional().openapi({
    description:
      'The JIT users of this IdP: `detach` (default; keep them, drop their links), `disable` or `delete`. With the enhanced feature on they are deleted.',
  }),
});
const DeletionCounts = z.object({
  usersDeleted: z.number().int(),
  usersDisabled: z.number().int(),
  usersKept: z.number().int(),
  federatedIdentities: z.number().int(),
  consentReceipts: z.number().int(),
  oidcPayloads: z.number().int().openapi({ description: 'OIDC sessions, grants, codes and tokens of the users deleted or disabled' }),
  groupMemberships: z.number().int(),
});
const DeletionPreview = z
  .object({
    identityProviderId: z.string(),
    name: z.string(),
    dryRun: z.boolean(),
    deleted: z.boolean(),
    enhancedFeature: z.boolean(),
    users: z.enum(IDP_USER_MODES),
    threshold: z.number().int(),
    affectedUsers: z.number().int().openapi({ description: 'Users deleted or disabled' }),
    forceRequired: z.boolean(),
    counts: DeletionCounts,
  })
  .openapi('IdentityProviderDeletion');

// ---- routes --------------------------------------------------------------------------------------------------

const tags = ['Identity providers'];
const list = createRoute({
  method: 'get',
  path: '/identity-providers',
  tags,
  summary: 'List identity providers',
  security,
  responses: { 200: jsonContent(IdpList, 'All identity providers'), ...errorResponses },
});
const create = createRoute({
  method: 'post',
  path: '/identity-providers',
  tags,
  summary: 'Register an upstream identity provider (OIDC or SAML)',
  security,
  request: jsonBody(IdpInput),
  responses: { 201: jsonContent(IdpView, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  method: 'get',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Read an identity provider',
  security,
  request: { params: IdParam },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse },
});
const replace = createRoute({
  method: 'put',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Replace an identity provider (an omitted clientSecret keeps the stored one; the protocol cannot change)',
  security,
  request: { params: IdParam, ...jsonBody(IdpInput) },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});
const patch = createRoute({
  method: 'patch',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Change an identity provider (JSON merge patch)',
  security,
  request: { params: IdParam, ...mergePatchBody(IdpPatch) },
  responses: { 200: jsonContent(IdpView, 'The identity provider'), ...errorResponses, ...notFoundResponse, ...conflictResponse },
});
const remove = createRoute({
  method: 'delete',
  path: '/identity-providers/{id}',
  tags,
  summary: 'Delete an identity provider (preview with dryRun=true); its links go, its JIT users are detached, disabled or deleted',
  security,
  request: { params: IdParam, query: DeleteQuery },
  responses: {
    200: jsonContent(DeletionPreview, 'What the deletion would do (dryRun=true)'),
    204: { description: 'Deleted' },
    ...errorResponses,
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export function identityProviderRoutes(ctx: AppContext) {
  const router = createAdminRouter();

  const load = async (id: string) => {
    const found = await findIdentityProvider(ctx.store.db, id);
    if (!found) throw notFound('identity_provider_not_found', `identity provider ${id} does not exist`);
    return found;
  };
  const present = (idp: IdentityProviderRecord) => presentIdentityProvider(ctx.config.publicUrl, idp);
  const audit = (tx: Tx, actor: Actor, action: string, idp: IdentityProviderRecord, details?: Record<string, unknown>) =>
    recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'identity_provider',
      targetId: idp.id,
      outcome: 'success',
      details: { name: idp.name, protocol: idp.protocol, ...details },
    });

  /** Seals the new secret, keeps the stored one (undefined), or removes it (null). */
  const secretsFor = async (id: string, clientSecret: string | null | undefined): Promise<string | null | undefined> => {
    if (clientSecret === undefined) return undefined;
    if (clientSecret === null) return null;
    const current = await findIdentityProviderSecrets(ctx.store.db, ctx.store.secrets, id);
    return ctx.store.secrets.sealJson({ ...current, clientSecret }, sealedPlaces.identityProvider(id));
  };

  /** PUT and PATCH end here: validate, keep the protocol, write with an audit event. */
  const update = async (
    current: IdentityProviderRecord,
    input: IdpInput,
    clientSecret: string | null | undefined,
    actor: Actor,
    details: Record<string, unknown>,
  ) => {
    if (input.protocol !== current.protocol) {
      throw invalidInput('protocol_immutable', 'The protocol of an identity provider cannot change; create a new one', [
        { field: 'protocol', message: 'cannot change' },
      ]);
    }
    const { idp } = await toDomain(ctx, input);
    const sealedSecrets = input.protocol === 'oidc' ? await secretsFor(current.id, clientSecret) : null;
    const updated = await ctx.store.transaction(async (tx) => {
      const row = await updateIdentityProvider(tx, current.id, {
        ...idp,
        ...(sealedSecrets !== undefined ? { sealedSecrets } : {}),
      } satisfies IdentityProviderInput);
      await audit(tx, actor, 'identity_provider.update', row, details);
      return row;
    });
    invalidateCache(ctx.store.db, 'identity-providers');
    return updated;
  };

  router.openapi(list, async (c) => c.json({ items: (await listIdentityProviders(ctx.store.db)).map(present) }, 200));

  router.openapi(create, async (c) => {
    const input = c.req.valid('json');
    const { idp, clientSecret } = await toDomain(ctx, input);
    // The id is chosen here: the sealed secret is bound to its row.
    const id = randomUUID();
    const sealedSecrets = clientSecret ? ctx.store.secrets.sealJson({ clientSecret }, sealedPlaces.identityProvider(id)) : null;
    const created = await ctx.store.transaction(async (tx) => {
      const row = await insertIdentityProvider(tx, { ...idp, id, sealedSecrets });
      await audit(tx, c.get('actor'), 'identity_provider.create', row);
      return row;
    });
    c.header('location', `${ctx.config.publicUrl}/api/v1/identity-providers/${created.id}`);
    return c.json(present(created), 201);
  });

  router.openapi(read, async (c) => c.json(present(await load(c.req.valid('param').id)), 200));

  router.openapi(replace, async (c) => {
    const current = await load(c.req.valid('param').id);
    const input = c.req.valid('json');
    const updated = await update(current, input, input.oidc?.clientSecret, c.get('actor'), { replaced: true });
    return c.json(present(updated), 200);
  });

  router.openapi(patch, async (c) => {
    const current = await load(c.req.valid('param').id);
    const body = c.req.valid('json');
    const merged = applyMergePatch(toInputView(current), body);
    const parsed = IdpInput.safeParse(merged);
    if (!parsed.success) {
      const fields = fieldProblems(parsed.error);
      throw invalidInput('validation_failed', `Invalid body: ${fields.map((f) => f.field).join(', ')}`, fields);
    }
    // The secret is write-only, so it is not in the merge base: a patch sets it (string) or removes it (null).
    const oidcPatch = (body as { oidc?: unknown }).oidc;
    const secretPatch =
      oidcPatch && typeof oidcPatch === 'object' && 'clientSecret' in oidcPatch
        ? (oidcPatch as { clientSecret: string | null }).clientSecret
        : undefined;
    const patchForAudit = JSON.parse(JSON.stringify(body, (key, value) => (key === 'clientSecret' ? '(changed)' : value))) as Record<
      string,
      unknown
    >;
    const updated = await update(current, parsed.data, secretPatch, c.get('actor'), { patch: patchForAudit });
    return c.json(present(updated), 200);
  });

  router.openapi(remove, async (c) => {
    const query = c.req.valid('query');
    const dryRun = query.dryRun === 'true';
    const result = await deleteIdentityProviderWithUsers(ctx.store, c.req.valid('param').id, {
      dryRun,
      force: query.force === 'true',
      users: query.users,
      actor: c.get('actor'),
    });
    invalidateCache(ctx.store.db, 'identity-providers');
    return dryRun ? c.json(result, 200) : c.body(null, 204);
  });

  return router;
}
