// The shapes of SAML applications in /api/v1/applications (protocol 'saml'). Every SAML field sits under `saml`;
// name, identityProviders and signInFlow are those of OIDC apps. `saml.metadata` (XML or a URL) is an import input:
// what it says fills the fields not given explicitly.
import { z } from '@hono/zod-openapi';
import { VALUE_EXPRESSIONS, parseAttributePath } from '../domain/index.js';

const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return ['https:', 'http:'].includes(url.protocol) && !url.hash;
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL without a fragment');

/** A SCIM User attribute path or one of the expressions. */
const valueSource = z
  .string()
  .min(1)
  .max(300)
  .superRefine((value, ctx) => {
    if ((VALUE_EXPRESSIONS as readonly string[]).includes(value)) return;
    if (value.startsWith('$')) {
      ctx.addIssue({ code: 'custom', message: `unknown expression; one of ${VALUE_EXPRESSIONS.join(', ')}` });
      return;
    }
    const parsed = parseAttributePath(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  });

const Acs = z
  .object({
    binding: z.literal('HTTP-POST').default('HTTP-POST').openapi({
      description: 'Responses go by HTTP-POST only: HTTP-Redirect cannot carry a Response (Profiles §4.1.2); Artifact is not offered',
    }),
    url: httpUrl,
    index: z.number().int().min(0).max(65535).optional(),
    isDefault: z.boolean().default(false),
  })
  .strict();

const Slo = z
  .object({
    binding: z.enum(['HTTP-Redirect', 'HTTP-POST']),
    url: httpUrl,
    responseUrl: httpUrl.nullable().default(null).openapi({ description: 'Where LogoutResponses go, when not `url`' }),
  })
  .strict();

const Attribute = z
  .object({
    name: z.string().min(1).max(300).openapi({ example: 'urn:oid:0.9.2342.19200300.100.1.3' }),
    nameFormat: z.enum(['uri', 'basic', 'unspecified']).default('uri'),
    friendlyName: z.string().max(200).nullable().default(null),
    value: valueSource.openapi({
      description: `A SCIM User attribute path (\`emails[primary eq true].value\`, \`name.givenName\`) or an expression: ${VALUE_EXPRESSIONS.join(', ')} ($groups and $roles are multi-valued)`,
    }),
  })
  .strict();

const NameId = z
  .object({
    format: z.enum(['persistent', 'emailAddress', 'unspecified', 'transient']).default('persistent'),
    source: z.string().max(300).optional().openapi({
      description:
        '$pairwise (persistent only, the default for it: a stable id per SP and account), $sub (the OIDC sub of the login), $primaryEmail (the default for emailAddress), $transient, or a SCIM attribute path (default userName)',
    }),
  })
  .strict();

const Metadata = z
  .object({
    xml: z
      .string()
      .min(1)
      .max(1024 * 1024)
      .optional(),
    url: httpUrl.optional(),
  })
  .strict()
  .openapi({ description: 'Import from SP metadata (write-only): the XML, or a URL to fetch it from. Explicit fields win over it.' });

const pem = z.string().min(1).max(20000);

/** The `saml` object as written (create / replace); after import and defaults it must be complete. */
export const SamlSettingsInput = z
  .object({
    metadata: Metadata.optional(),
    entityId: z.string().min(1).max(1024).optional().openapi({ description: 'The SP entity ID (unique among SAML apps)' }),
    assertionConsumerServices: z.array(Acs).min(1).max(20).optional(),
    singleLogoutService: Slo.nullable().optional(),
    signingCertificates: z
      .array(pem)
      .max(4)
      .optional()
      .openapi({ description: 'PEM certificates the SP signs requests and logout messages with' }),
    encryptionCertificate: pem.nullable().optional(),
    wantAuthnRequestsSigned: z.boolean().optional(),
    nameId: NameId.optional(),
    attributes: z.array(Attribute).max(100).optional(),
    assertionLifetimeSeconds: z.number().int().min(30).max(3600).optional(),
    signResponse: z.boolean().optional(),
    signAssertion: z.boolean().optional(),
    encryption: z
      .object({ algorithm: z.enum(['aes256-gcm', 'aes256-cbc']).default('aes256-gcm') })
      .strict()
      .nullable()
      .optional()
      .openapi({
        description:
          'Encrypt the assertion for the SP (AES-256-GCM or AES-256-CBC, key transport RSA-OAEP); needs the encryption certificate',
      }),
    idpInitiated: z
      .object({ enabled: z.boolean().default(false), defaultRelayState: z.string().max(1024).nullable().default(null) })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('SamlApplicationSettingsInput');

/** The create and patch bodies; the sign-in flow schema is the OIDC apps' own (passed in, so the two stay one). */
export function samlApplicationBodies<F extends z.ZodType<{ steps: unknown[] }>>(signInFlow: F) {
  const create = z
    .object({
      protocol: z.literal('saml'),
      name: z.string().min(1).max(200),
      saml: SamlSettingsInput,
      identityProviders: z.array(z.uuid()).max(100).default([]),
      signInFlow: signInFlow.default({ steps: [] } as never),
    })
    .strict()
    .openapi('SamlApplicationCreate');
  const patch = z
    .object({
      name: z.string().min(1).max(200),
      saml: z.record(z.string(), z.unknown()).openapi({ description: 'A merge patch of the `saml` object' }),
      identityProviders: z.array(z.uuid()).max(100).nullable(),
      signInFlow: signInFlow.nullable(),
    })
    .partial()
    .strict()
    .openapi('SamlApplicationPatch');
  return { create, patch };
}

const CertificateView = z.object({
  use: z.enum(['signing', 'encryption']),
  subject: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  expired: z.boolean(),
  sha256Fingerprint: z.string(),
});

export const SamlApplicationSchema = z
  .object({
    id: z.uuid(),
    protocol: z.literal('saml'),
    name: z.string(),
    saml: z.object({
      entityId: z.string(),
      assertionConsumerServices: z.array(
        z.object({ binding: z.literal('HTTP-POST'), url: z.string(), index: z.number(), isDefault: z.boolean() }),
      ),
      singleLogoutService: z.object({ binding: z.string(), url: z.string(), responseUrl: z.string().nullable() }).nullable(),
      signingCertificates: z.array(z.string()),
      encryptionCertificate: z.string().nullable(),
      certificates: z.array(CertificateView).openapi({ description: 'What the SP certificates say (read-only): subject and expiry' }),
      wantAuthnRequestsSigned: z.boolean(),
      nameId: z.object({ format: z.string(), source: z.string() }),
      attributes: z.array(z.object({ name: z.string(), nameFormat: z.string(), friendlyName: z.string().nullable(), value: z.string() })),
      assertionLifetimeSeconds: z.number(),
      signResponse: z.boolean(),
      signAssertion: z.boolean(),
      encryption: z.object({ algorithm: z.string() }).nullable(),
      idpInitiated: z.object({ enabled: z.boolean(), defaultRelayState: z.string().nullable() }),
    }),
    identityProviders: z.array(z.string()),
    signInFlow: z.object({ steps: z.array(z.unknown()) }),
    idp: z
      .object({
        entityId: z.string(),
        metadataUrl: z.string(),
        ssoUrl: z.string(),
        sloUrl: z.string(),
        idpInitiatedUrl: z.string().nullable(),
      })
      .openapi({ description: 'What to configure at the SP: jitbridge as its IdP' }),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SamlApplication');

export interface SamlCreateInput {
  protocol: 'saml';
  name: string;
  saml: z.infer<typeof SamlSettingsInput>;
  identityProviders: string[];
  signInFlow: { steps: unknown[] };
}
