// Step: what a verified upstream identity becomes. A prompting JIT scheme pauses it for the prompt pages (only
// in a login an interaction began: a bare /federation/start has nowhere to show them); otherwise the provisioning
// core provisions it (or passes the claims through, or refuses). Failures are audited here; a refusal's detail
// may name a local account, so it goes to the log and the audit event under a reference, never to the person.
import { randomBytes } from 'node:crypto';
import type { VerifiedCallback } from '../../federation/index.js';
import type { AppContext } from '../../http/index.js';
import { claimsUsedBy, pauseForPrompts, provisionLogin, readClaim } from '../../provisioning/index.js';
import { recordAudit, type IdentityProviderRecord, type NewLoginResult } from '../../store/index.js';

/**
 * What an upstream login came to, as whoever started it reads it: the fields of a stored login result, and, when
 * handed over in place, whether provisioning just read the user active and unlocked (no second read needed).
 */
export type LoginOutcome = Omit<NewLoginResult, 'ttlSeconds'> & { accountUsable?: boolean };

/** The outcome, and the audit event a failed login writes (with the outcome when it is stored). */
export interface ProvisionedOutcome {
  outcome: LoginOutcome;
  audit: Parameters<typeof recordAudit>[1] | null;
}

/** The claims this IdP's mapping reads that `claims` lack: the OIDC connector's userinfo question. */
export const missingClaims = (idp: Parameters<typeof claimsUsedBy>[0], claims: Record<string, unknown>) =>
  claimsUsedBy(idp).filter((name) => readClaim(claims, name) === undefined);

/** A short id a person can quote to support; the log and the audit event carry the detail under it. */
export const newReference = () => randomBytes(6).toString('hex').toUpperCase();

/** What the person and the app learn of a refused provisioning: nothing about local accounts. */
export const refusedMessage = (code: string, reference: string) =>
  // The person's own linked account (they just proved who they are upstream): saying it is locked tells them
  // nothing about anyone else, and tells them what to ask for.
  code === 'user_locked' || code === 'link_locked'
    ? `Your account is locked. Ask your administrator to unlock it, quoting reference ${reference}.`
    : `Your account could not be set up for this sign-in. Contact your administrator and quote reference ${reference}.`;

const failureAudit = (idp: IdentityProviderRecord, refused: boolean, code: string, message: string, reference?: string) => ({
  actorType: 'idp' as const,
  actorId: idp.id,
  action: 'federation.login',
  targetType: 'identity_provider',
  targetId: idp.id,
  outcome: refused ? ('refused' as const) : ('failure' as const),
  reason: code,
  details: { protocol: idp.protocol, message, ...(reference ? { reference } : {}) },
});

export async function provisionIdentity(ctx: AppContext, verified: VerifiedCallback): Promise<ProvisionedOutcome> {
  const { idp, flow } = verified;
  const base = { flowId: flow.id, idpId: idp.id, context: flow.context };
  const done = (label: string, result: ProvisionedOutcome) => {
    ctx.metrics.federationLogins.inc({ idp: idp.id, protocol: idp.protocol, result: label });
    return result;
  };
  if ('error' in verified) {
    const { error, refused } = verified;
    const outcome: LoginOutcome = {
      ...base,
      subject: null,
      userId: null,
      outcome: 'failure',
      errorCode: error.code,
      errorMessage: error.message,
    };
    return done(error.code, { outcome, audit: failureAudit(idp, refused, error.code, error.message) });
  }
  const { identity } = verified;
  const common = { ...base, subject: identity.subject, authnContext: identity.authnContext };
  const interactionUid = (flow.context as { interactionUid?: unknown } | null)?.interactionUid;
  const paused = typeof interactionUid === 'string' ? await pauseForPrompts(ctx.store, idp, identity, interactionUid) : null;
  if (paused) {
    return done('prompted', {
      outcome: { ...common, userId: null, outcome: 'pending', claims: { pendingId: paused.pendingId } },
      audit: null,
    });
  }
  const provisioning = await provisionLogin({ store: ctx.store, logger: ctx.logger, metrics: ctx.metrics }, idp, identity);
  if (provisioning.kind === 'user') {
    const usable = provisioning.usable ? { accountUsable: true } : {};
    return done('success', { outcome: { ...common, userId: provisioning.userId, outcome: 'success', ...usable }, audit: null });
  }
  if (provisioning.kind === 'passthrough') {
    return done('success', { outcome: { ...common, userId: null, outcome: 'success', claims: provisioning.claims }, audit: null });
  }
  // The provisioning core audits its own refusals; this event records the login's failure under the reference.
  const reference = newReference();
  ctx.logger.warn({ reference, code: provisioning.code, detail: provisioning.message, idpId: idp.id }, 'provisioning refused a login');
  const outcome: LoginOutcome = {
    ...common,
    userId: null,
    outcome: 'failure',
    errorCode: provisioning.code,
    errorMessage: refusedMessage(provisioning.code, reference),
  };
  return done(provisioning.code, { outcome, audit: failureAudit(idp, true, provisioning.code, provisioning.message, reference) });
}
