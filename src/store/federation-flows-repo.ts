// Upstream logins in progress (`federation_flows`): the OIDC state, nonce and PKCE verifier, or the SAML request
// id, with where to go after. Kept in the store so that any instance can finish a login another began; each flow
// is consumed once, in one statement, and expires after 10 minutes.
import { and, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { asDate, fastCommit, queryRows, type Executor } from './database.js';
import { federationFlows } from './schema/index.js';
import { isUuid } from '../domain/index.js';
import {
  identityProviderColumns,
  rawIdentityProviderRow,
  withSecretsOf,
  type IdentityProviderWithSecrets,
} from './identity-providers-repo.js';
import type { SecretBox } from './secret-box.js';

export type FederationFlow = typeof federationFlows.$inferSelect;

export const FLOW_TTL_SECONDS = 600;

export interface NewFederationFlow {
  /** The OIDC `state` or the SAML RelayState: random, unguessable. */
  id: string;
  idpId: string;
  protocol: 'oidc' | 'saml';
  nonce?: string | null;
  codeVerifier?: string | null;
  samlRequestId?: string | null;
  returnTo: string;
  context?: unknown;
  ttlSeconds?: number;
}

// A login writes one flow and consumes it: drizzle's `sql` with constant texts, prepared (per connection on
// PostgreSQL). A new flow of a login interaction supersedes the interaction's earlier ones (started again, or
// another IdP chosen), in the same statement: abandoned flows do not pile up until they expire.
const interactionOf = (context: unknown): string | null => {
  const uid = (context as { interactionUid?: unknown } | null | undefined)?.interactionUid;
  return typeof uid === 'string' ? uid : null;
};

export async function insertFederationFlow(executor: Executor, flow: NewFederationFlow): Promise<void> {
  const interactionUid = interactionOf(flow.context);
  const context = flow.context == null ? null : JSON.stringify(flow.context);
  const query = sql`with superseded as (
    delete from federation_flows where ${interactionUid}::text is not null and (context->>'interactionUid') = ${interactionUid}::text
  )
  insert into federation_flows (id, idp_id, protocol, nonce, code_verifier, saml_request_id, return_to, context, expires_at)
  values (${flow.id}::text, ${flow.idpId}::uuid, ${flow.protocol}::text, ${flow.nonce ?? null}::text, ${flow.codeVerifier ?? null}::text,
    ${flow.samlRequestId ?? null}::text, ${flow.returnTo}::text, ${context}::jsonb,
    now() + make_interval(secs => ${flow.ttlSeconds ?? FLOW_TTL_SECONDS}::float8))`;
  await queryRows(fastCommit(executor), query, { prepare: true });
}

/** Removes every flow a login interaction began (it finished: they can only be replayed or abandoned now). */
export async function deleteFederationFlowsOfInteraction(executor: Executor, interactionUid: string): Promise<void> {
  const query = sql`delete from federation_flows where (context->>'interactionUid') = ${interactionUid}::text`;
  await queryRows(fastCommit(executor), query, { prepare: true });
}

const consume = (id: string, idpId: string): SQL => sql`update federation_flows set consumed_at = now()
  where id = ${id}::text and idp_id = ${idpId}::uuid and consumed_at is null and expires_at > now()
  returning id, idp_id, protocol, nonce, code_verifier, saml_request_id, return_to, context, created_at, expires_at, consumed_at`;

const live = () => and(isNull(federationFlows.consumedAt), gt(federationFlows.expiresAt, sql`now()`));

const flowOf = (row: Record<string, unknown>): FederationFlow => ({
  id: row.id as string,
  idpId: row.idp_id as string,
  protocol: row.protocol as string,
  nonce: (row.nonce as string | null) ?? null,
  codeVerifier: (row.code_verifier as string | null) ?? null,
  samlRequestId: (row.saml_request_id as string | null) ?? null,
  returnTo: row.return_to as string,
  context: row.context ?? null,
  createdAt: asDate(row.created_at),
  expiresAt: asDate(row.expires_at),
  consumedAt: row.consumed_at == null ? null : asDate(row.consumed_at),
});

/** Marks the flow with this state (or RelayState) consumed and returns it; undefined if unknown, used, expired or another IdP's. */
export async function consumeFederationFlow(executor: Executor, idpId: string, id: string): Promise<FederationFlow | undefined> {
  if (!isUuid(idpId)) return undefined;
  const [row] = await queryRows<Record<string, unknown>>(executor, consume(id, idpId), { prepare: true });
  return row ? flowOf(row) : undefined;
}

// The callback's first statement: the flow consumed and its IdP read together (one round trip, one snapshot).
const IDP_COLUMNS = sql.raw(identityProviderColumns('i.'));
const consumeWithIdp = (id: string, idpId: string): SQL => sql`with flow as (${consume(id, idpId)})
  select to_jsonb(flow) as flow, ${IDP_COLUMNS} from flow join identity_providers i on i.id = flow.idp_id`;

/**
 * `consumeFederationFlow` and the flow's IdP (record and sealed secrets) in one statement; undefined when there is
 * no such live flow of this IdP.
 */
export async function consumeFederationFlowWithIdp(
  executor: Executor,
  secrets: SecretBox,
  idpId: string,
  id: string,
): Promise<{ flow: FederationFlow; idp: IdentityProviderWithSecrets } | undefined> {
  if (!isUuid(idpId)) return undefined;
  // Fast commit: the consume is atomic and visible at once all the same; a crash that loses it could only hand back
  // a flow whose upstream code is already used, and whose PKCE verifier and nonce bind any new code to this flow.
  const [row] = await queryRows<Record<string, unknown>>(fastCommit(executor), consumeWithIdp(id, idpId), { prepare: true });
  if (!row) return undefined;
  const { flow, ...idpColumns } = row;
  return { flow: flowOf(flow as Record<string, unknown>), idp: withSecretsOf(rawIdentityProviderRow(idpColumns), secrets) };
}

/** Same for SAML, found by the AuthnRequest id the response answers (its InResponseTo). */
export async function consumeSamlFlow(executor: Executor, idpId: string, requestId: string): Promise<FederationFlow | undefined> {
  const [row] = await executor
    .update(federationFlows)
    .set({ consumedAt: sql`now()` })
    .where(
      and(eq(federationFlows.samlRequestId, requestId), eq(federationFlows.idpId, idpId), eq(federationFlows.protocol, 'saml'), live()),
    )
    .returning();
  return row;
}
