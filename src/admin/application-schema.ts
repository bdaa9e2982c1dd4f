// The shapes of OIDC applications in /api/v1/applications (zod, and through it the OpenAPI document), the union
// with SAML applications (saml-application-schema.ts), and the conversions between the input and the stored app.
// Routes: applications.ts.
import { z } from '@hono/zod-openapi';
import type { Application, ApplicationInput } from '../store/index.js';
import { SamlApplicationSchema, samlApplicationBodies } from './saml-application-schema.js';

const redirectUri = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return !url.hash && !['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol);
    } catch {
      return false;
    }
  }, 'an absolute URI without a fragment');

const SignInOption = z.union([
  z.object({ idp: z.uuid() }).strict(),
  z.object({ authenticator: z.enum(['LOCAL', 'TOTP', 'EMAIL_OTP']) }).strict(),
]);
export const SignInFlow = z
  .object({
    steps: z
      .array(
        z
          .object({
            options: z.array(SignInOption).min(1),
            when: z.enum(['always', 'local_only']).optional(),
          })
          .strict(),
      )
      .max(5),
  })
  .strict()
  .openapi('SignInFlow', { description: 'Step 1: IdPs (or LOCAL); later steps: MFA such as TOTP' });

const GrantType = z.enum(['authorization_code', 'refresh_token']);
const AuthMethod = z.enum(['client_secret_basic', 'client_secret_post', 'none']);

const fields = {
  name: z.string().min(1).max(200).openapi({ example: 'Timesheets' }),
  redirectUris: z
    .array(redirectUri)
    .min(1)
    .max(50)
    .openapi({ example: ['https://timesheets.example.com/callback'] }),
  postLogoutRedirectUris: z.array(redirectUri).max(50),
  grantTypes: z.array(GrantType).min(1).openapi({ description: 'authorization_code, and refresh_token for rotating refresh tokens' }),
  tokenEndpointAuthMethod: AuthMethod.openapi({ description: 'none = a public client (PKCE is then always required)' }),
  requirePkce: z.boolean().openapi({ description: 'Require PKCE (S256); cannot be false for public clients' }),
  firstParty: z.boolean().openapi({
    description:
      'true: your own app, consent is recorded without asking; false: a third-party app, people see a consent page listing the scopes and claims (always with prompt=consent, else until they have granted them)',
  }),
  identityProviders: z.array(z.uuid()).max(100).openapi({ description: 'Ids of the identity providers this app may use' }),
  signInFlow: SignInFlow,
};

const suppliedClientId = z
  .string()
  .regex(/^[A-Za-z0-9._~-]{3,200}$/, '3 to 200 letters, digits or . _ ~ -')
  .openapi({ description: 'The client_id, chosen once at creation (default: generated); on PUT it must equal the current one' });
const suppliedClientSecret = z.string().openapi({
  writeOnly: true,
  description:
    'Write-only. A client secret of your own (at least 32 random characters) instead of a generated one; confidential clients only. On PUT, omitted keeps the current secret',
});

export const ApplicationCreate = z
  .object({
    name: fields.name,
    clientId: suppliedClientId.optional(),
    clientSecret: suppliedClientSecret.optional(),
    redirectUris: fields.redirectUris,
    postLogoutRedirectUris: fields.postLogoutRedirectUris.default([]),
    grantTypes: fields.grantTypes.default(['authorization_code', 'refresh_token']),
    tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod.default('client_secret_basic'),
    requirePkce: fields.requirePkce.default(true),
    firstParty: fields.firstParty.default(true),
    identityProviders: fields.identityProviders.default([]),
    signInFlow: fields.signInFlow.default({ steps: [] }),
  })
  .strict()
  .openapi('ApplicationCreate');

export const ApplicationPatch = z
  .object({
    name: fields.name,
    redirectUris: fields.redirectUris,
    postLogoutRedirectUris: fields.postLogoutRedirectUris.nullable(),
    grantTypes: fields.grantTypes,
    tokenEndpointAuthMethod: fields.tokenEndpointAuthMethod,
    requirePkce: fields.requirePkce,
    firstParty: fields.firstParty,
    identityProviders: fields.identityProviders.nullable(),
    signInFlow: fields.signInFlow.nullable(),
  })
  .partial()
  .strict()
  .openapi('ApplicationPatch');

export const Warning = z.object({ code: z.string(), message: z.string() }).openapi('Warning');

// SAML apps (protocol 'saml') share the resource; an OIDC body needs no protocol.
export const samlBodies = samlApplicationBodies(SignInFlow);
export const AnyApplicationCreate = z
  .discriminatedUnion('protocol', [ApplicationCreate.extend({ protocol: z.literal('oidc').default('oidc') }), samlBodies.create])
  .openapi('AnyApplicationCreate');
export const AnyApplicationPatch = z.record(z.string(), z.unknown()).openapi('AnyApplicationPatch', {
  description: 'ApplicationPatch for an OIDC app, SamlApplicationPatch for a SAML app (JSON merge patch)',
});

export const ApplicationSchema = z
  .object({
    id: z.uuid(),
    protocol: z.literal('oidc'),
    name: z.string(),
    clientId: z.string(),
    clientSecret: z
      .string()
      .optional()
      .openapi({ description: 'Only in the create (or regenerate) answer; stored hashed, never shown again' }),
    redirectUris: z.array(z.string()),
    postLogoutRedirectUris: z.array(z.string()),
    grantTypes: z.array(GrantType),
    tokenEndpointAuthMethod: AuthMethod,
    requirePkce: z.boolean(),
    firstParty: z.boolean(),
    identityProviders: z.array(z.string()),
    signInFlow: SignInFlow,
    issuer: z
      .string()
      .openapi({ description: 'The OpenID Provider the app talks to (discovery at issuer/.well-known/openid-configuration)' }),
    warnings: z.array(Warning).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Application');

export const AnyApplication = z.union([ApplicationSchema, SamlApplicationSchema]);
export const ApplicationList = z.object({ items: z.array(AnyApplication) }).openapi('ApplicationList');

export type Input = z.infer<typeof ApplicationCreate>;

export const toInput = (input: Input): ApplicationInput => ({
  name: input.name,
  oidc: {
    redirectUris: input.redirectUris,
    postLogoutRedirectUris: input.postLogoutRedirectUris,
    grantTypes: [...new Set(input.grantTypes)],
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod,
    requirePkce: input.requirePkce,
    firstParty: input.firstParty,
  },
  identityProviders: [...new Set(input.identityProviders)],
  signInFlow: input.signInFlow as ApplicationInput['signInFlow'],
});

export const fromApplication = (app: Application): Input => ({
  name: app.name,
  redirectUris: app.oidc.redirectUris,
  postLogoutRedirectUris: app.oidc.postLogoutRedirectUris,
  grantTypes: app.oidc.grantTypes as Input['grantTypes'],
  tokenEndpointAuthMethod: app.oidc.tokenEndpointAuthMethod,
  requirePkce: app.oidc.requirePkce,
  firstParty: app.oidc.firstParty !== false,
  identityProviders: app.identityProviders,
  signInFlow: app.signInFlow as Input['signInFlow'],
});

export type Warning = z.infer<typeof Warning>;
