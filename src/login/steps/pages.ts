// The pages every step may end on: an error page with the request's reference, "expired", and "bad form".
import { errorPage } from '../error.js';
import { csrfToken, csrfTokenMatches } from '../csrf.js';
import type { AppContext } from '../../http/index.js';
import type { C, Step } from './types.js';

export const showError = async (c: C, status: 400 | 403 | 404 | 500, props: Parameters<typeof errorPage>[0]) =>
  c.html(await errorPage({ ...props, reference: props.reference ?? c.get('requestId') }), status, { 'cache-control': 'no-store' });

/** The interaction cannot be used: too old, finished, or begun in another browser. */
export function showExpired(ctx: AppContext, c: C) {
  ctx.metrics.appSignIns.inc({ result: 'expired' });
  return showError(c, 400, {
    title: 'This sign-in has expired',
    message:
      'The sign-in took too long, was already finished, or was started in another browser. Go back to the application and sign in again.',
    reference: 'session_not_found',
  });
}

export const showStaleForm = (c: C) =>
  showError(c, 400, { title: 'Please try again', message: 'The form was out of date or did not come from this site.', reference: 'csrf' });

/** The CSRF token of this interaction's forms (the newest cookie key signs). */
export const csrfOf = (step: Step) => csrfToken(step.cookieKeys[0]!, step.interaction.uid);

/** Whether a posted CSRF token is this interaction's, under any current cookie key. */
export const csrfValid = (step: Step, token: unknown) => step.cookieKeys.some((key) => csrfTokenMatches(key, step.interaction.uid, token));
