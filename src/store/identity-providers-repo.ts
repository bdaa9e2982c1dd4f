// Identity providers: rows of `identity_providers` ↔ the domain `IdentityProvider`. Protocol settings live in
// `protocol_config` (no secrets); the OIDC client secret is sealed (AES-256-GCM) in `secrets_encrypted`.
import { asc, eq, sql } from 'drizzle-orm';
import {
  conflict,
  notFound,
  defaultJitPolicy,
  type ClaimMapping,
  type IdentityProvider,
  type JitPolicy,
  type OidcSettings,
  type RoleMapping,
  type SamlSettings,
  isUuid,
} from '../domain/index.js';
import { asDate, queryRows, type Executor } from './database.js';
import { isUniqueViolation } from './errors.js';
import { identityProviders, type IdentityProviderRow } from './schema/index.js';
import { sealedPlaces, type SecretBox } from './secret-box.js';

/** Secrets kept sealed with an IdP; never part of `IdentityProvider`, never answered by the admin API. */
export interface IdentityProviderSecrets {
  clientSecret?: string;
}

export interface IdentityProviderRecord extends IdentityProvider {
  /** Whether a client secret is stored (the secret itself is write-only). */
  hasClientSecret: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What is written: the domain shape without id, plus the sealed secrets (undefined = keep what is stored). */
export type IdentityProviderInput = Omit<IdentityProvider, 'id'> & {
  /** Given on create when secrets are sealed for the row before it exists. */
  id?: string;
  sealedSecrets?: string | null;
};

function toRecord(row: IdentityProviderRow): IdentityProviderRecord {
  const protocol = row.protocol === 'saml' ? 'saml' : 'oidc';
  const options = (row.options ?? {}) as { inactiveAfterDays?: number | null };
  return {
    id: row.id,
    name: row.name,
    protocol,
    enabled: row.enabled,
    trustEmail: row.trustEmail,
    ...(protocol === 'oidc' ? { oidc: row.protocolConfig as OidcSettings } : { saml: row.protocolConfig as SamlSettings }),
    claimMappings: (row.claimMappings ?? []) as ClaimMapping[],
    roleMappings: (row.roleMappings ?? []) as RoleMapping[],
    // Older rows may miss newer keys: fill them from the defaults.
    jit: { ...defaultJitPolicy(), ...(row.jit as Partial<JitPolicy>) },
    inactiveAfterDays: options.inactiveAfterDays ?? null,
    hasClientSecret: row.secretsEncrypted !== null,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toColumns(input: IdentityProviderInput) {
  return {
    ...(input.id ? { id: input.id } : {}),
    name: input.name,
    protocol: input.protocol,
    enabled: input.enabled,
    trustEmail: input.trustEmail,
    protocolConfig: (input.protocol === 'oidc' ? input.oidc : input.saml) ?? {},
    claimMappings: input.claimMappings,
    roleMappings: input.roleMappings,
    jit: input.jit,
    options: { inactiveAfterDays: input.inactiveAfterDays },
    ...(input.sealedSecrets !== undefined ? { secretsEncrypted: input.sealedSecrets } : {}),
  };
}

const nameTaken = (name: string) =>
  conflict('identity_provider_exists', `an identity provider named '${name}' already exists`, [
    { field: 'name', message: 'already exists' },
  ]);

export async function listIdentityProviders(executor: Executor): Promise<IdentityProviderRecord[]> {
  const found = await executor
    .select()
    .from(identityProviders)
    .orderBy(asc(sql`lower(${identityProviders.name})`), asc(identityProviders.id));
  return found.map(toRecord);
}

// A login reads its IdP twice (the interaction's start and the callback): one constant statement, prepared per
// connection on PostgreSQL, its columns named as drizzle names them so that toRecord reads both shapes.
/** The IdP's columns as raw SQL names them for `rawIdentityProviderRow` (`alias.` qualifies them in a join). */
export const identityProviderColumns = (alias = '') =>
  `${alias}id, ${alias}name, ${alias}protocol, ${alias}enabled, ${alias}trust_email as "trustEmail",
    ${alias}protocol_config as "protocolConfig", ${alias}secrets_encrypted as "secretsEncrypted",
    ${alias}claim_mappings as "claimMappings", ${alias}role_mappings as "roleMappings", ${alias}jit, ${alias}options,
    ${alias}version, ${alias}created_at as "createdAt", ${alias}updated_at as "updatedAt"`;

/** A row read with `identityProviderColumns`, typed as drizzle types it. */
export const rawIdentityProviderRow = (raw: Record<string, unknown>): IdentityProviderRow =>
  ({
    ...raw,
    version: Number(raw.version),
    createdAt: asDate(raw.createdAt),
    updatedAt: asDate(raw.updatedAt),
  }) as IdentityProviderRow;

async function findRow(executor: Executor, id: string): Promise<IdentityProviderRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [raw] = await queryRows<Record<string, unknown>>(
    executor,
    sql`select ${sql.raw(identityProviderColumns())} from identity_providers where id = ${id}::uuid`,
    { prepare: true },
  );
  return raw ? rawIdentityProviderRow(raw) : undefined;
}

/** The IdP with this id, or undefined (also for a malformed id). */
export async function findIdentityProvider(executor: Executor, id: string): Promise<IdentityProviderRecord | undefined> {
  const row = await findRow(executor, id);
  return row ? toRecord(row) : undefined;
}

export async function getIdentityProvider(executor: Executor, id: string): Promise<IdentityProviderRecord> {
  const found = await findIdentityProvider(executor, id);
  if (!found) throw notFound('identity_provider_not_found', `identity provider ${id} does not exist`);
  return found;
}

/** An IdP as a login reads it: its record, and its sealed secrets from the same row, opened on demand. */
export interface IdentityProviderWithSecrets {
  idp: IdentityProviderRecord;
  secrets: () => IdentityProviderSecrets;
}

/** The record and secrets of a row read with `identityProviderColumns`. */
export function withSecretsOf(row: IdentityProviderRow, secrets: SecretBox): IdentityProviderWithSecrets {
  const sealed = row.secretsEncrypted;
  return {
    idp: toRecord(row),
    secrets: () => (sealed ? secrets.openJson<IdentityProviderSecrets>(sealed, sealedPlaces.identityProvider(row.id)) : {}),
  };
}

/** The IdP and its sealed secrets in one read (a login's start needs both). */
export async function findIdentityProviderWithSecrets(
  executor: Executor,
  secrets: SecretBox,
  id: string,
): Promise<IdentityProviderWithSecrets | undefined> {
  const row = await findRow(executor, id);
  return row ? withSecretsOf(row, secrets) : undefined;
}

/** The sealed secrets of an IdP, opened (empty when none are stored). */
export async function findIdentityProviderSecrets(executor: Executor, secrets: SecretBox, id: string): Promise<IdentityProviderSecrets> {
  const [row] = await executor
    .select({ sealed: identityProviders.secretsEncrypted })
    .from(identityProviders)
    .where(eq(identityProviders.id, id));
  return row?.sealed ? secrets.openJson<IdentityProviderSecrets>(row.sealed, sealedPlaces.identityProvider(id)) : {};
}

export async function insertIdentityProvider(executor: Executor, input: IdentityProviderInput): Promise<IdentityProviderRecord> {
  try {
    const [row] = await executor.insert(identityProviders).values(toColumns(input)).returning();
    return toRecord(row!);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

export async function updateIdentityProvider(
  executor: Executor,
  id: string,
  input: IdentityProviderInput,
): Promise<IdentityProviderRecord> {
  try {
    const [row] = await executor
      .update(identityProviders)
      .set({ ...toColumns(input), version: sql`${identityProviders.version} + 1`, updatedAt: sql`now()` })
      .where(eq(identityProviders.id, id))
      .returning();
    if (!row) throw notFound('identity_provider_not_found', `identity provider ${id} does not exist`);
    return toRecord(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(input.name);
    throw error;
  }
}

/** Deletes the IdP row; its federated identity links go with it (ON DELETE CASCADE). Users stay. */
export async function deleteIdentityProvider(executor: Executor, id: string): Promise<boolean> {
  const deleted = await executor.delete(identityProviders).where(eq(identityProviders.id, id)).returning({ id: identityProviders.id });
  return deleted.length > 0;
}
