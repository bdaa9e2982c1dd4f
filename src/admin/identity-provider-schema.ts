// The request and answer schemas of /api/v1/identity-providers (zod, and through it the OpenAPI document): what an
// upstream OIDC or SAML IdP, its mappings and its JIT policy look like on the wire. Routes: identity-providers.ts.
import { z } from '@hono/zod-openapi';
import { AS_IN_USERNAME, ATTRIBUTE_SYNC_METHODS, JIT_SCHEMES } from '../domain/index.js';
import { IDP_USER_MODES } from '../accounts/index.js';

const endpoint = z.string().max(2000).openapi({ description: 'Absolute https URL (http only on loopback hosts)' });

export const OidcInput = z
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

export const SamlInput = z
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

export const Mapping = z.object({ remote: z.string().min(1).max(500), local: z.string().min(1).max(500) }).strict();

export const JitInput = z
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

export const IdpInput = z
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
export type IdpInput = z.infer<typeof IdpInput>;

export const IdpPatch = z.record(z.string(), z.unknown()).openapi('IdentityProviderPatch', {
  description: 'JSON merge patch over the identity provider (null removes a member); the result must be a valid IdentityProviderInput',
});

export const IdpView = z
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

export const IdpList = z.object({ items: z.array(IdpView) }).openapi('IdentityProviderList');

// ---- deletion ------------------------------------------------------------------------------------------------

// What happens to the IdP's users is decided in accounts/idp-deletion.ts (issue 7): detach (default),
// disable or delete; with settings.jit.enhancedFeature on, its JIT users are deleted; a dry run counts; past
// settings.jit.idpDeleteThreshold the deletion needs force.
export const DeleteQuery = z.object({
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
export const DeletionPreview = z
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
