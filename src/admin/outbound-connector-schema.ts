// The shapes of an outbound connector on the wire (zod, and through it the OpenAPI document): its input, merge
// patch and answer, and how a stored row is presented. Routes: outbound-connectors.ts.
import { z } from '@hono/zod-openapi';
import { deliveryOptionsOf, OUTBOUND_EVENT_KINDS } from '../outbound/index.js';
import type { ConnectorRow } from '../store/index.js';

const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL');

const BearerAuthInput = z
  .object({
    type: z.literal('bearer'),
    token: z.string().min(1).max(4000).optional().openapi({ writeOnly: true, description: 'Write-only' }),
  })
  .strict();
const OAuthInput = z
  .object({
    type: z.literal('oauth2'),
    tokenUrl: httpUrl,
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(4000).optional().openapi({ writeOnly: true, description: 'Write-only' }),
    scope: z.string().max(1000).optional(),
  })
  .strict();
export const AuthInput = z.discriminatedUnion('type', [BearerAuthInput, OAuthInput]).openapi('OutboundAuthInput', {
  description: 'Bearer token, or OAuth 2.0 client credentials (client_secret_basic). Secrets are write-only; omitted on update = keep.',
});
const AuthView = z
  .union([
    z.object({ type: z.literal('bearer') }),
    z.object({ type: z.literal('oauth2'), tokenUrl: z.string(), clientId: z.string(), scope: z.string().optional() }),
  ])
  .openapi('OutboundAuth');

const Mapping = z.array(z.object({ local: z.string().min(1).max(300), remote: z.string().min(1).max(300) }).strict()).max(200);
const DeliveryInput = z
  .object({
    maxAttempts: z.number().int().min(1).max(100),
    timeoutMs: z.number().int().min(100).max(120_000),
    backoffBaseMs: z.number().int().min(1).max(3_600_000),
    backoffMaxMs: z.number().int().min(1).max(86_400_000),
    concurrency: z.number().int().min(1).max(64),
    bulk: z.enum(['auto', 'off']),
  })
  .partial()
  .strict()
  .openapi('OutboundDeliveryOptions', { description: 'Retry and throughput tuning; omitted fields take the defaults' });

const ConnectorFields = {
  name: z.string().min(1).max(200),
  type: z.literal('scim2').default('scim2'),
  baseUrl: httpUrl.openapi({ example: 'https://scim.example.com/scim/v2' }),
  auth: AuthInput,
  userStores: z
    .array(z.string().min(1).max(64))
    .max(100)
    .nullable()
    .default(null)
    .openapi({ description: 'User store domains in scope; null = all' }),
  events: z
    .array(z.enum(OUTBOUND_EVENT_KINDS as [string, ...string[]]))
    .nullable()
    .default(null)
    .openapi({ description: 'Event kinds in scope; null = all' }),
  attributeMapping: Mapping.nullable()
    .default(null)
    .openapi({ description: 'Local SCIM path → remote SCIM path; null = send the whole user' }),
  delivery: DeliveryInput.default({}),
  enabled: z.boolean().default(true),
};
export const ConnectorCreate = z.object(ConnectorFields).strict().openapi('OutboundConnectorCreate');
// No defaults here: a merge patch names only what changes.
export const ConnectorPatch = z
  .object({
    name: z.string().min(1).max(200),
    type: z.literal('scim2'),
    baseUrl: httpUrl,
    auth: z.object({ type: z.enum(['bearer', 'oauth2']) }).passthrough(),
    userStores: z.array(z.string().min(1).max(64)).max(100).nullable(),
    events: z.array(z.enum(OUTBOUND_EVENT_KINDS as [string, ...string[]])).nullable(),
    attributeMapping: Mapping.nullable(),
    delivery: DeliveryInput.nullable(),
    enabled: z.boolean(),
  })
  .partial()
  .strict()
  .openapi('OutboundConnectorPatch');

export const ConnectorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.literal('scim2'),
    baseUrl: z.string(),
    auth: AuthView,
    userStores: z.array(z.string()).nullable(),
    events: z.array(z.string()).nullable(),
    attributeMapping: z.array(z.object({ local: z.string(), remote: z.string() })).nullable(),
    delivery: z.object({
      maxAttempts: z.number(),
      timeoutMs: z.number(),
      backoffBaseMs: z.number(),
      backoffMaxMs: z.number(),
      concurrency: z.number(),
      bulk: z.string(),
    }),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('OutboundConnector');
export const ConnectorList = z.object({ items: z.array(ConnectorSchema) }).openapi('OutboundConnectorList');

export type ConnectorInput = z.infer<typeof ConnectorCreate>;
export type AuthInputValue = z.infer<typeof AuthInput>;

export const presentConnector = (row: ConnectorRow) => {
  const config = (row.authConfig ?? {}) as { tokenUrl?: string; clientId?: string; scope?: string };
  return {
    id: row.id,
    name: row.name,
    type: 'scim2' as const,
    baseUrl: row.baseUrl,
    auth:
      row.authType === 'oauth2'
        ? {
            type: 'oauth2' as const,
            tokenUrl: config.tokenUrl ?? '',
            clientId: config.clientId ?? '',
            ...(config.scope ? { scope: config.scope } : {}),
          }
        : { type: 'bearer' as const },
    userStores: row.userStores ?? null,
    events: row.events ?? null,
    attributeMapping: (row.attributeMapping as Array<{ local: string; remote: string }> | null) ?? null,
    delivery: deliveryOptionsOf(row),
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};
