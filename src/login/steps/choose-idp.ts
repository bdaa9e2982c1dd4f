// Step: choose the IdP. The `idp` parameter, the app's only IdP (when step 1 of its sign-in flow offers no LOCAL
// password), or the person's choice on the chooser page; no IdP but LOCAL → the password page.
import { findIdentityProvider, type Application, type IdentityProviderRecord } from '../../store/index.js';
import { chooserPage } from '../chooser.js';
import { localSignInPath } from '../local-sign-in-routes.js';
import { refuse, endInteraction } from './hand-off.js';
import { csrfOf, csrfValid, showError, showStaleForm } from './pages.js';
import { offersLocal } from './sign-in-options.js';
import { startUpstream } from './start-upstream.js';
import type { C, LoginDeps, Step } from './types.js';

/** What the chooser step does with the app's enabled IdPs. */
export type Choice =
  | { kind: 'start'; idpId: string }
  | { kind: 'local' }
  | { kind: 'none' }
  | { kind: 'chooser'; providers: IdentityProviderRecord[]; local: boolean };

/** The decision alone (no page, no redirect): what GET /login/:uid does for a login prompt. */
export function chooseIdp(
  app: Pick<Application, 'signInFlow'>,
  params: Record<string, unknown>,
  enabled: IdentityProviderRecord[],
): Choice {
  const requested = params.idp;
  if (typeof requested === 'string' && requested !== '') return { kind: 'start', idpId: requested };
  const local = offersLocal(app);
  if (enabled.length === 0) return local ? { kind: 'local' } : { kind: 'none' };
  if (enabled.length === 1 && !local) return { kind: 'start', idpId: enabled[0]!.id };
  return { kind: 'chooser', providers: enabled, local };
}

/** GET /login/:uid for a login prompt: start the upstream login, or show the chooser, or the password page. */
export async function showChoice(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  const found = await Promise.all(step.app.identityProviders.map((id) => findIdentityProvider(deps.ctx.store.db, id)));
  const enabled = found.filter((idp): idp is IdentityProviderRecord => Boolean(idp?.enabled));
  const choice = chooseIdp(step.app, step.interaction.params, enabled);
  const uid = step.interaction.uid;
  switch (choice.kind) {
    case 'start':
      return startUpstream(deps, c, step, choice.idpId);
    case 'local':
      return c.redirect(localSignInPath(uid), 303);
    case 'none':
      return refuse(deps, c, step, {
        title: 'No way to sign in',
        message: `${step.app.name} has no sign-in method configured. Ask its administrator to add an identity provider.`,
        description: 'the application has no enabled identity provider',
      });
    case 'chooser': {
      const page = await chooserPage({
        appName: step.app.name,
        action: `/login/${uid}`,
        cancelAction: `/login/${uid}/cancel`,
        csrfToken: csrfOf(step),
        providers: choice.providers.map((p) => ({ id: p.id, name: p.name, protocol: p.protocol })),
        ...(choice.local ? { localHref: localSignInPath(uid) } : {}),
      });
      return c.html(page, 200, { 'cache-control': 'no-store' });
    }
  }
}

/** POST /login/:uid: the chooser's answer. */
export async function answerChoice(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  const form = await c.req.parseBody();
  if (!csrfValid(step, form.csrf)) return showStaleForm(c);
  const idp = typeof form.idp === 'string' ? form.idp : '';
  if (!idp) return showError(c, 400, { title: 'Choose a sign-in method', message: 'Pick one of the listed organisations to continue.' });
  return startUpstream(deps, c, step, idp);
}

/** POST /login/:uid/cancel: the person gave up; the app gets access_denied. */
export async function cancel(deps: LoginDeps, c: C, step: Step): Promise<Response> {
  const form = await c.req.parseBody();
  if (!csrfValid(step, form.csrf)) return showStaleForm(c);
  return c.redirect(await endInteraction(deps, step, { kind: 'refused', description: 'the person cancelled the sign-in' }), 303);
}
