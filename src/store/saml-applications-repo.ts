// SAML service providers registered as applications (rows of `applications` with protocol 'saml'). The entity ID
// has a column of its own: it is how an incoming request finds its app, and it is unique.
import { and, asc, eq, sql } from 'drizzle-orm';
import { type SamlAppSettings } from '../domain/index.js';
import type { Executor } from './database.js';
import { applications } from './schema/index.js';

export interface SamlApplication {
  id: string;
  name: string;
  saml: SamlAppSettings;
  identityProviders: string[];
  signInFlow: { steps: unknown[] };
  createdAt: Date;
  updatedAt: Date;
}

export interface SamlApplicationInput {
  name: string;
  saml: SamlAppSettings;
  identityProviders: string[];
  signInFlow: { steps: unknown[] };
}

type Row = typeof applications.$inferSelect;
const isSaml = eq(applications.protocol, 'saml');

const toSamlApplication = (row: Row): SamlApplication => ({
  id: row.id,
  name: row.name,
  saml: row.samlSettings as SamlAppSettings,
  identityProviders: row.identityProviders as string[],
  signInFlow: row.signInFlow as { steps: unknown[] },
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const columns = (input: SamlApplicationInput) => ({
  name: input.name,
  samlEntityId: input.saml.entityId,
  samlSettings: input.saml,
  identityProviders: input.identityProviders,
  signInFlow: input.signInFlow,
});

export async function insertSamlApplication(executor: Executor, input: SamlApplicationInput): Promise<SamlApplication> {
  const [row] = await executor
    .insert(applications)
    .values({ protocol: 'saml', ...columns(input) })
    .returning();
  return toSamlApplication(row!);
}

export async function listSamlApplications(executor: Executor): Promise<SamlApplication[]> {
  const rows = await executor.select().from(applications).where(isSaml).orderBy(asc(applications.name), asc(applications.id));
  return rows.map(toSamlApplication);
}

export async function findSamlApplicationById(executor: Executor, id: string): Promise<SamlApplication | undefined> {
  const [row] = await executor
    .select()
    .from(applications)
    .where(and(isSaml, eq(applications.id, id)));
  return row ? toSamlApplication(row) : undefined;
}

export async function findSamlApplicationByEntityId(executor: Executor, entityId: string): Promise<SamlApplication | undefined> {
  const [row] = await executor
    .select()
    .from(applications)
    .where(and(isSaml, eq(applications.samlEntityId, entityId)));
  return row ? toSamlApplication(row) : undefined;
}

/** The protocol of an application id, whichever it is (undefined: no such app). */
export async function findApplicationProtocol(executor: Executor, id: string): Promise<'oidc' | 'saml' | undefined> {
  const [row] = await executor.select({ protocol: applications.protocol }).from(applications).where(eq(applications.id, id));
  return row?.protocol as 'oidc' | 'saml' | undefined;
}

export async function updateSamlApplication(
  executor: Executor,
  id: string,
  input: SamlApplicationInput,
): Promise<SamlApplication | undefined> {
  const [row] = await executor
    .update(applications)
    .set({ ...columns(input), updatedAt: sql`now()` })
    .where(and(isSaml, eq(applications.id, id)))
    .returning();
  return row ? toSamlApplication(row) : undefined;
}

export async function deleteSamlApplication(executor: Executor, id: string): Promise<SamlApplication | undefined> {
  const [row] = await executor
    .delete(applications)
    .where(and(isSaml, eq(applications.id, id)))
    .returning();
  return row ? toSamlApplication(row) : undefined;
}
