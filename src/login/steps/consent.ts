// Step: consent. The consent prompt (`prompt=consent`, as clients asking for offline_access send, or scopes a
// third-party app has not been granted yet) comes when the person is signed in already, so it is never another
// login. A first-party app's consent is recorded without a page; a third-party app gets the consent page.
import { consentPage } from '../consent.js';
import { endInteraction } from './hand-off.js';
import { csrfOf, csrfValid, showExpired, showStaleForm } from './pages.js';
import type { C, LoginDeps, ProtocolScopes, Step } from './types.js';

/** The scopes of the request the page lists: the supported ones, in the order asked, with the claims each brings. */
export function requestedScopes(params: Record<string, unknown>, scopes: ProtocolScopes): Array<{ scope: string; claims: string[] }> {
  return String(params.scope ?? '')
    .split(' ')
    .filter((scope) => scopes.supported.includes(scope))
    .map((scope) => ({ scope, claims: [...(scopes.claims[scope] ?? [])] }));
}

/** Records the consent (the protocol puts it on its grant) and ends the interaction. */
async function recordConsent(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  if (!step.interaction.accountId) return showExpired(deps.ctx, c);
  const to = await endInteraction(deps, step, { kind: 'consented' });
  deps.ctx.metrics.appSignIns.inc({ result: 'consented' });
  return c.redirect(to, 303);
}

/** GET /login/:uid for a consent prompt. */
export async function askConsent(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  if (step.app.oidc.firstParty !== false) return recordConsent(deps, c, step);
  const { interaction } = step;
  if (!interaction.accountId) return showExpired(deps.ctx, c);
  const details = interaction.prompt.details as { missingOIDCClaims?: string[] };
  const page = await consentPage({
    appName: step.app.name,
    action: `/login/${interaction.uid}/consent`,
    csrfToken: csrfOf(step),
    scopes: requestedScopes(interaction.params, deps.protocol.scopes),
    claims: details.missingOIDCClaims ?? [],
  });
  return c.html(page, 200, { 'cache-control': 'no-store' });
}

/** POST /login/:uid/consent: the consent page's answer (third-party apps). */
export async function answerConsent(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  const form = await c.req.parseBody();
  if (!csrfValid(step, form.csrf) || step.interaction.prompt.name !== 'consent') return showStaleForm(c);
  if (form.decision === 'allow') return recordConsent(deps, c, step);
  deps.ctx.metrics.appSignIns.inc({ result: 'refused' });
  return c.redirect(await endInteraction(deps, step, { kind: 'refused', description: 'the person did not allow the application' }), 303);
}
