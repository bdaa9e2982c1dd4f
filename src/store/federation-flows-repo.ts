// Upstream logins in progress (`federation_flows`): the OIDC state, nonce and PKCE verifier, or the SAML request
// id, with where to go after. Kept in the store so that any instance can finish a login another began; each flow
// is consumed once, in one statement, and expires after 10 minutes.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { asDate, fastCommit, hotRows, type Executor } from './database.js';
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

// A login writes one flow and consumes it: constant texts through hotRows (prepared per connection on PostgreSQL).
// A new flow of a login interaction supersedes the interaction's earlier ones (started again, or another IdP
// chosen), in the same statement: abandoned flows do not pile up until they expire.
const INSERT = `with superseded as (
    delete from federation_flows where $10::text is not null and (context->>'interactionUid') = $10::text
  )
  insert into federation_flows (id, idp_id, protocol, nonce, code_verifier, saml_request_id, return_to, context, expires_at)
  values ($1::text, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::text, $8::jsonb, now() + make_interval(secs => $9::float8))`;

const interactionOf = (context: unknown): string | null => {
  const uid = (context as { interactionUid?: unknown } | null | undefined)?.interactionUid;
  return typeof uid === 'string' ? uid : null;
};

export async function insertFederationFlow(executor: Executor, flow: NewFederationFlow): Promise<void> {
  await hotRows(fastCommit(executor), INSERT, [
    flow.id,
    flow.idpId,
    flow.protocol,
    flow.nonce ?? null,
    flow.codeVerifier ?? null,
    flow.samlRequestId ?? null,
    flow.returnTo,
    flow.context == null ? null : JSON.stringify(flow.context),
    flow.ttlSeconds ?? FLOW_TTL_SECONDS,
    interactionOf(flow.context),
  ]);
}

const DELETE_OF_INTERACTION = `delete from federation_flows where (context->>'interactionUid') = $1::text`;

/** Removes every flow a login interaction began (it finished: they can only be replayed or abandoned now). */
export async function deleteFederationFlowsOfInteraction(executor: Executor, interactionUid: string): Promise<void> {
  await hotRows(fastCommit(executor), DELETE_OF_INTERACTION, [interactionUid]);
}

const CONSUME = `update federation_flows set consumed_at = now()
  where id = $1::text and idp_id = $2::uuid and consumed_at is null and expires_at > now()
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
  const [row] = await hotRows<Record<string, unknown>>(executor, CONSUME, [id, idpId]);
  return row ? flowOf(row) : undefined;
}

// The callback's first statement: the flow consumed and its IdP read together (one round trip, one snapshot).
const CONSUME_WITH_IDP = `with flow as (${CONSUME})
  select to_jsonb(flow) as flow, ${identityProviderColumns('i.')} from flow join identity_providers i on i.id = flow.idp_id`;

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
  const [row] = await hotRows<Record<string, unknown>>(fastCommit(executor), CONSUME_WITH_IDP, [id, idpId]);
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
