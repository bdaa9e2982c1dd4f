// Applications: the OIDC clients that sign people in through jitbridge. The client secret is stored as a
// scrypt hash only; oidc-provider reads clients through this module (by client_id). SAML service providers share
// the table (protocol 'saml') and have their own repository (saml-applications-repo.ts): every read here is of
// OIDC apps only, so oidc-provider never sees a SAML app's row as an OIDC client (a SAML app signs in as the
// client `saml:<id>`, a fixed view of it: saml-client-applications.ts).
import { and, asc, eq, sql } from 'drizzle-orm';
import { notFound } from '../domain/index.js';
import type { Executor } from './database.js';
import { applications } from './schema/index.js';

export interface ApplicationOidcSettings {
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Always true for public clients; confidential clients may turn it off. */
  requirePkce: boolean;
  /**
   * A first-party app's consent is recorded without a page; a third-party app (false) gets the consent page. Absent
   * (apps made before the flag, kept in this JSON column so that no migration is needed) means first-party.
   */
  firstParty?: boolean;
}

export interface Application {
  id: string;
  name: string;
  clientId: string;
  clientSecretHash: string | null;
  oidc: ApplicationOidcSettings;
  identityProviders: string[];
  signInFlow: { steps: unknown[] };
  createdAt: Date;
  updatedAt: Date;
}

type Row = typeof applications.$inferSelect;
const isOidc = eq(applications.protocol, 'oidc');

function toApplication(row: Row): Application {
  return {
    id: row.id,
    name: row.name,
    clientId: row.clientId!,
    clientSecretHash: row.clientSecretHash,
    oidc: row.oidcSettings as ApplicationOidcSettings,
    identityProviders: row.identityProviders as string[],
    signInFlow: row.signInFlow as { steps: unknown[] },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface ApplicationInput {
  name: string;
  oidc: ApplicationOidcSettings;
  identityProviders: string[];
  signInFlow: { steps: unknown[] };
}

export async function insertApplication(
  executor: Executor,
  input: ApplicationInput & { clientId: string; clientSecretHash: string | null },
): Promise<Application> {
  const [row] = await executor
    .insert(applications)
    .values({
      protocol: 'oidc',
      name: input.name,
      clientId: input.clientId,
      clientSecretHash: input.clientSecretHash,
      oidcSettings: input.oidc,
      identityProviders: input.identityProviders,
      signInFlow: input.signInFlow,
    })
    .returning();
  return toApplication(row!);
}

/**
 * A built-in application (the console's client): created with `defaults` the first time, then only its OIDC
 * settings follow `input.oidc` (they come from PUBLIC_URL); its name, IdPs and sign-in flow stay as admins set them.
 */
export async function ensureBuiltInApplication(executor: Executor, input: ApplicationInput & { clientId: string }): Promise<void> {
  await executor
    .insert(applications)
    .values({
      protocol: 'oidc',
      name: input.name,
      clientId: input.clientId,
      clientSecretHash: null,
      oidcSettings: input.oidc,
      identityProviders: input.identityProviders,
      signInFlow: input.signInFlow,
    })
    .onConflictDoUpdate({ target: applications.clientId, set: { oidcSettings: input.oidc } });
}

export async function listApplications(executor: Executor): Promise<Application[]> {
  return (await executor.select().from(applications).where(isOidc).orderBy(asc(applications.name), asc(applications.id))).map(
    toApplication,
  );
}

export async function findApplicationById(executor: Executor, id: string): Promise<Application | undefined> {
  const [row] = await executor
    .select()
    .from(applications)
    .where(and(isOidc, eq(applications.id, id)));
  return row ? toApplication(row) : undefined;
}

export async function findApplicationByClientId(executor: Executor, clientId: string): Promise<Application | undefined> {
  const [row] = await executor
    .select()
    .from(applications)
    .where(and(isOidc, eq(applications.clientId, clientId)));
  return row ? toApplication(row) : undefined;
}

export async function updateApplication(
  executor: Executor,
  id: string,
  changes: ApplicationInput & { clientSecretHash?: string | null },
): Promise<Application> {
  const [row] = await executor
    .update(applications)
    .set({
      name: changes.name,
      oidcSettings: changes.oidc,
      identityProviders: changes.identityProviders,
      signInFlow: changes.signInFlow,
      ...(changes.clientSecretHash !== undefined ? { clientSecretHash: changes.clientSecretHash } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(isOidc, eq(applications.id, id)))
    .returning();
  if (!row) throw notFound('application_not_found', `application ${id} does not exist`);
  return toApplication(row);
}

export async function deleteApplication(executor: Executor, id: string): Promise<Application | undefined> {
  const [row] = await executor
    .delete(applications)
    .where(and(isOidc, eq(applications.id, id)))
    .returning();
  return row ? toApplication(row) : undefined;
}

/**
 * Replaces a client secret hash by another of the same secret (an scrypt hash of an earlier version by its keyed
 * hash, after a successful check), only if it is still the one that was checked: a secret changed meanwhile stays.
 */
export async function upgradeClientSecretHash(executor: Executor, id: string, from: string, to: string): Promise<boolean> {
  const rows = await executor
    .update(applications)
    .set({ clientSecretHash: to })
    .where(and(isOidc, eq(applications.id, id), eq(applications.clientSecretHash, from)))
    .returning({ id: applications.id });
  return rows.length > 0;
}
