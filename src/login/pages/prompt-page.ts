// Picks and renders the provisioning page for what is still to ask (provisioning/prompt-flow.ts
// `describePrompt` / a `retry` of `submitPrompt`): username + password (+ consent), password (+ consent),
// or consent alone. The interaction calls this and serves the HTML; it needs nothing else from JIT.
import type { FieldProblem } from '../../domain/index.js';
import type { PromptScreen } from '../../provisioning/index.js';
import { consentPage } from './consent-page.js';
import type { FieldErrors } from './page-parts.js';
import { passwordPage } from './password-page.js';
import { usernamePasswordPage } from './username-password-page.js';

export interface PromptPageOptions {
  appName: string;
  idpName?: string | null;
  /** Where the form posts (the interaction's prompt route). */
  action: string;
  csrfToken: string;
  /** After a refused answer: the summary, the field problems, and the boxes the person had ticked. */
  error?: string | null;
  problems?: readonly FieldProblem[];
  checked?: ReadonlySet<string> | null;
  /** The username to show (what was typed, after a refusal). */
  username?: string | null;
  /** The IdP provisions AS_IN_USERNAME: say that `STORE/name` chooses the store. */
  domainInUsername?: boolean;
}

/** Field problems by form field; `userName` is the username field. */
export function fieldErrorsFrom(problems: readonly FieldProblem[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const problem of problems) (errors[problem.field === 'userName' ? 'username' : problem.field] ??= []).push(problem.message);
  return errors;
}

export function promptPage(screen: PromptScreen, options: PromptPageOptions): Promise<string> {
  const problems = [...(options.problems ?? []), ...(screen.usernameProblem && !options.problems?.length ? [screen.usernameProblem] : [])];
  const fieldErrors = fieldErrorsFrom(problems);
  const consent = screen.consent && screen.consent.purposes.length > 0 ? { view: screen.consent, checked: options.checked ?? null } : null;
  const common = { appName: options.appName, action: options.action, csrfToken: options.csrfToken, error: options.error ?? null };
  const username = options.username ?? screen.username;
  if (screen.ask.username) {
    return usernamePasswordPage({ ...common, username, domainInUsername: options.domainInUsername ?? false, consent, fieldErrors });
  }
  if (screen.ask.password) return passwordPage({ ...common, username: username ?? '', consent, fieldErrors });
  return consentPage({
    ...common,
    idpName: options.idpName ?? null,
    view: screen.consent ?? { purposes: [] },
    checked: options.checked ?? null,
  });
}
