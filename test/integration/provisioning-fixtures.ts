// Fixtures of the provisioning integration tests: a real jitbridge over a fresh database, identity providers
// inserted as rows (the core takes the IdentityProvider object; the row satisfies the link's foreign key),
// and helpers to read back users, links, audit and outbox events.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import {
  defaultJitPolicy,
  type IdentityProvider,
  type JitPolicy,
  type FederatedIdentity,
  type ScimUserResource,
  defaultSettings,
  type JitSettings,
} from '../../src/domain/index.js';
import { rows } from '../../src/store/database.js';
import { auditEvents, federatedIdentities, identityProviders, outboxEvents, users } from '../../src/store/schema/index.js';
import { writeSettings } from '../../src/store/index.js';
import type { TestServer } from '../support/server.js';

export const STANDARD_MAPPINGS = [
  { remote: 'preferred_username', local: 'userName' },
  { remote: 'given_name', local: 'name.givenName' },
  { remote: 'family_name', local: 'name.familyName' },
  { remote: 'email', local: 'emails[type eq "work"].value' },
  { remote: 'department', local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' },
  { remote: 'groups', local: 'groups' },
];

export async function createIdp(
  server: TestServer,
  overrides: Partial<Omit<IdentityProvider, 'jit'>> & { jit?: Partial<JitPolicy> } = {},
): Promise<IdentityProvider> {
  const id = randomUUID();
  const idp: IdentityProvider = {
    id,
    name: overrides.name ?? `idp-${id.slice(0, 8)}`,
    protocol: 'oidc',
    enabled: true,
    trustEmail: false,
    claimMappings: STANDARD_MAPPINGS,
    roleMappings: [],
    inactiveAfterDays: null,
    ...overrides,
    jit: { ...defaultJitPolicy(), ...overrides.jit },
  };
  await server.ctx.store.db.insert(identityProviders).values({
    id,
    name: idp.name,
    protocol: idp.protocol,
    enabled: idp.enabled,
    trustEmail: idp.trustEmail,
    protocolConfig: { issuer: 'https://idp.invalid', clientId: 'x', scopes: ['openid'] },
    claimMappings: idp.claimMappings,
    roleMappings: idp.roleMappings,
    jit: idp.jit,
  });
  return idp;
}

export function identity(idp: IdentityProvider, subject: string, claims: Record<string, unknown>): FederatedIdentity {
  return {
    idpId: idp.id,
    subject,
    claims: { sub: subject, ...claims },
    authnContext: { protocol: 'oidc', amr: ['pwd'], acr: null, authTime: null, sessionId: null },
  };
}

export async function setJitSettings(server: TestServer, jit: Partial<JitSettings>): Promise<void> {
  const settings = defaultSettings();
  settings.jit = { ...settings.jit, ...jit };
  await writeSettings(server.ctx.store.db, settings);
}

export const deps = (server: TestServer) => ({ store: server.ctx.store, logger: server.ctx.logger, metrics: server.ctx.metrics });

export async function userById(server: TestServer, id: string) {
  const [row] = await server.ctx.store.db.select().from(users).where(eq(users.id, id));
  return row ? { ...row, resource: row.resource as ScimUserResource } : undefined;
}

export async function count(server: TestServer, table: 'users' | 'federated_identities' | 'groups' | 'group_members'): Promise<number> {
  const [row] = await rows<{ n: number }>(server.ctx.store.db, sql`select count(*)::int as n from ${sql.identifier(table)}`);
  return row!.n;
}

export async function linksOf(server: TestServer, idpId: string) {
  return server.ctx.store.db.select().from(federatedIdentities).where(eq(federatedIdentities.idpId, idpId));
}

export async function auditFor(server: TestServer, action: string) {
  return server.ctx.store.db.select().from(auditEvents).where(eq(auditEvents.action, action));
}

export async function outboxFor(server: TestServer, resourceId: string) {
  return server.ctx.store.db.select().from(outboxEvents).where(eq(outboxEvents.resourceId, resourceId));
}
