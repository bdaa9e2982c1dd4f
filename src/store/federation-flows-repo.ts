// Upstream logins in progress (`federation_flows`): the OIDC state, nonce and PKCE verifier, or the SAML request
// id, with where to go after. Kept in the store so that any instance can finish a login another began; each flow
// is consumed once, in one statement, and expires after 10 minutes.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { federationFlows } from './schema/index.js';

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

export async function insertFederationFlow(executor: Executor, flow: NewFederationFlow): Promise<void> {
  await executor.insert(federationFlows).values({
    id: flow.id,
    idpId: flow.idpId,
    protocol: flow.protocol,
    nonce: flow.nonce ?? null,
    codeVerifier: flow.codeVerifier ?? null,
    samlRequestId: flow.samlRequestId ?? null,
    returnTo: flow.returnTo,
    context: flow.context ?? null,
    expiresAt: sql`now() + make_interval(secs => ${flow.ttlSeconds ?? FLOW_TTL_SECONDS})`,
  });
}

const live = () => and(isNull(federationFlows.consumedAt), gt(federationFlows.expiresAt, sql`now()`));

/** Marks the OIDC flow with this state consumed and returns it; undefined if unknown, used, expired or another IdP's. */
export async function consumeFederationFlow(executor: Executor, idpId: string, id: string): Promise<FederationFlow | undefined> {
  const [row] = await executor
    .update(federationFlows)
    .set({ consumedAt: sql`now()` })
    .where(and(eq(federationFlows.id, id), eq(federationFlows.idpId, idpId), live()))
    .returning();
  return row;
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
