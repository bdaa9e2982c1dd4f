// The provisioning prompts of one paused login, without HTTP: what to show (`describePrompt`), and what
// an answer does (`submitPrompt`). The login interaction renders the result with the pages in
// src/login/pages and turns `done` / `stopped` into its own result; everything about JIT stays here.
//
// Every answer re-plans from the stored, verified identity (the database may have moved since the page
// was shown), so the decision is always made on the current state; a plan gone stale during the write
// is planned and decided again with the same answers.
import { AppError, type FieldProblem, type IdentityProvider, type JitSettings } from '../domain/index.js';
import { recordAudit, listConsentPurposes, type Store, type PendingProvisioning } from '../store/index.js';
import { ProvisioningRace } from './apply.js';
import { planWithChosenUsername } from './chosen-username.js';
import { buildFederatedResource, mapClaims } from './claim-mapping.js';
import {
  buildConsentView,
  CONSENT_DENIED,
  CONSENT_MANDATORY_DECLINED,
  decideConsent,
  type ConsentAnswers,
  type ConsentView,
} from './consent.js';
import { hashNewPassword } from '../accounts/index.js';
import { planProvisioning } from './plan.js';
import { applyPromptedProvisioning } from './prompted-provisioning.js';
import { promptPageFor, promptsFor, typedUsernameProblem, withEffectiveScheme, type PromptPage, type Prompts } from './prompts.js';
import { createProvisioningReads } from './reads.js';
import { afterOf, endsWithUser, refusalOf, type PlanDecision, type ProvisioningPlan } from './types.js';

const MAX_ATTEMPTS = 3;

/** Refusals the username prompt can fix: the person chooses another name. */
const USERNAME_REFUSALS = new Set(['username_taken', 'username_policy', 'user_store_not_found', 'user_store_not_allowed']);

/**
 * The decision prompts are chosen by. Under the username scheme a plan refused for its username is still
 * a new account (the person picks another name), and a typed name that would associate is one too (it is
 * reported as taken, never linked).
 */
function promptDecision(idp: IdentityProvider, plan: ProvisioningPlan, typed: boolean): PlanDecision {
  if (!promptsFor(idp.jit.scheme, 'create').username) return plan.decision;
  if (plan.decision === 'refuse' && USERNAME_REFUSALS.has(plan.refusal?.code ?? '')) return 'create';
  if (typed && plan.decision === 'associate_username') return 'create';
  return plan.decision;
}

export interface PromptScreen {
  /** What is still to ask on the built-in page (a password answered on an external page is not asked again). */
  ask: Prompts;
  /** Where the username / password are asked; `external` → send the browser there with a context token. */
  page: PromptPage;
  /** Username to show or pre-fill (qualified, `DOMAIN/name`). */
  username: string | null;
  /** Why the suggested username cannot be used (show it by the username field). */
  usernameProblem: FieldProblem | null;
  consent: ConsentView | null;
}

export type PromptResult =
  | { kind: 'retry'; screen: PromptScreen; message: string; problems: FieldProblem[] }
  | { kind: 'stopped'; code: string; message: string }
  | { kind: 'done'; userId: string; outcome: string };

type Deps = Pick<Store, 'db' | 'transaction'>;

/** The settings the prompts read: the external page URLs, and the enhanced feature (generated usernames). */
export type PromptSettings = Pick<JitSettings, 'usernameProvisioningUrl' | 'passwordProvisioningUrl'> & { enhancedFeature?: boolean };

async function planFor(store: Deps, idp: IdentityProvider, pending: PendingProvisioning, typed?: string) {
  const reads = createProvisioningReads(store.db);
  const username = typed ?? pending.answers.username;
  if (username !== undefined && promptsFor(idp.jit.scheme, 'create').username) {
    return { ...(await planWithChosenUsername(reads, idp, pending.identity, username)), typed: true };
  }
  const plan = await planProvisioning(reads, idp, pending.identity);
  const problem = USERNAME_REFUSALS.has(refusalOf(plan)?.code ?? '') ? typedUsernameProblem(plan.decision, refusalOf(plan)!.code) : null;
  return { plan, problem, typed: false };
}

async function screenFor(
  store: Deps,
  idp: IdentityProvider,
  pending: PendingProvisioning,
  planned: { plan: ProvisioningPlan; problem: FieldProblem | null; typed: boolean },
  settings: PromptSettings,
): Promise<PromptScreen> {
  const { plan } = planned;
  const prompts = promptsFor(idp.jit.scheme, promptDecision(idp, plan, planned.typed));
  const answeredElsewhere = Boolean(pending.answers.passwordHash);
  const ask: Prompts = {
    username: prompts.username && !answeredElsewhere,
    password: prompts.password && !answeredElsewhere,
    consent: prompts.consent,
  };
  // A plan refused for its username has no `after`; the attributes a new account would get are the mapped ones.
  const after =
    afterOf(plan) ?? buildFederatedResource(mapClaims(idp, pending.identity), plan.qualifiedUserName ?? pending.identity.subject);
  const consent = ask.consent ? buildConsentView(await listConsentPurposes(store.db), after) : null;
  return {
    ask,
    page: answeredElsewhere ? { kind: 'builtin' } : promptPageFor(prompts, settings),
    username:
      pending.answers.username ??
      plan.qualifiedUserName ??
      (typeof pending.identity.claims.preferred_username === 'string' ? pending.identity.claims.preferred_username : null),
    usernameProblem: planned.problem,
    consent,
  };
}

/** What to show for a paused provisioning; `stopped` when the login can no longer provision (say, the IdP was disabled). */
export async function describePrompt(
  store: Deps,
  configured: IdentityProvider,
  pending: PendingProvisioning,
  settings: PromptSettings,
): Promise<PromptScreen | { kind: 'stopped'; code: string; message: string }> {
  const idp = withEffectiveScheme(configured, settings);
  const planned = await planFor(store, idp, pending);
  const refusal = refusalOf(planned.plan);
  if (refusal && promptDecision(idp, planned.plan, planned.typed) === 'refuse')
    return { kind: 'stopped', code: refusal.code, message: refusal.message };
  return screenFor(store, idp, pending, planned, settings);
}

export interface PromptSubmission {
  username: string;
  password: string;
  confirmation: string;
  consent: ConsentAnswers;
}

/**
 * Applies the person's answers: username and password problems come back as `retry` (nothing written);
 * declining (or withholding a mandatory attribute) is `stopped` (audited, nothing else written); otherwise
 * the user is provisioned with the answers and the pending provisioning consumed, in one transaction.
 */
export async function submitPrompt(
  store: Deps,
  configured: IdentityProvider,
  pending: PendingProvisioning,
  settings: PromptSettings,
  answers: PromptSubmission,
): Promise<PromptResult> {
  const idp = withEffectiveScheme(configured, settings);
  const initial = await planFor(store, idp, pending);
  const refusal = refusalOf(initial.plan);
  if (refusal && promptDecision(idp, initial.plan, initial.typed) === 'refuse')
    return { kind: 'stopped', code: refusal.code, message: refusal.message };
  const screen = await screenFor(store, idp, pending, initial, settings);

  if (answers.consent.decision === 'deny') return stopped(store, idp, pending, CONSENT_DENIED, 'You declined, so no account was created.');

  const problems: FieldProblem[] = [];
  let typed: string | undefined;
  if (screen.ask.username) {
    typed = answers.username;
    const chosen = await planFor(store, idp, pending, typed);
    if (chosen.problem) problems.push(chosen.problem);
  }
  let passwordHash: string | null = pending.answers.passwordHash ?? null;
  if (screen.ask.password) {
    const { plan } = await planFor(store, idp, pending, typed);
    try {
      passwordHash = await hashNewPassword(answers.password, { username: plan.qualifiedUserName, confirmation: answers.confirmation });
    } catch (error) {
      if (!(error instanceof AppError) || error.kind !== 'invalid_input') throw error;
      problems.push(...error.fields);
    }
  }
  if (problems.length > 0) {
    return {
      kind: 'retry',
      screen: { ...screen, username: typed ?? screen.username },
      message: 'Check the fields marked below.',
      problems,
    };
  }

  for (let attempt = 1; ; attempt++) {
    const planned = await planFor(store, idp, pending, typed);
    const { plan } = planned;
    // The name may have been taken since it was checked: ask again rather than link or fail (or, when an
    // external page chose it and this page cannot ask, stop: the person starts again).
    if (planned.problem && !screen.ask.username)
      return { kind: 'stopped', code: planned.problem.code, message: `${planned.problem.message} Sign in again to choose another.` };
    if (planned.problem)
      return {
        kind: 'retry',
        screen: { ...screen, username: typed ?? screen.username },
        message: 'Check the fields marked below.',
        problems: [planned.problem],
      };
    if (plan.decision === 'refuse') return { kind: 'stopped', code: plan.refusal.code, message: plan.refusal.message };
    const prompts = promptsFor(idp.jit.scheme, plan.decision);
    let consent = null;
    if (prompts.consent && endsWithUser(plan)) {
      try {
        consent = decideConsent(await listConsentPurposes(store.db), plan.after, answers.consent);
      } catch (error) {
        if (error instanceof AppError && (error.code === CONSENT_MANDATORY_DECLINED || error.code === CONSENT_DENIED)) {
          return stopped(store, idp, pending, error.code, error.message);
        }
        throw error;
      }
    }
    try {
      const applied = await store.transaction((tx) =>
        applyPromptedProvisioning(tx, plan, {
          consent,
          // Never onto an account that already exists (association): prompts only make new accounts.
          passwordHash: plan.decision === 'create' && prompts.password ? passwordHash : null,
          pending: { id: pending.id, interactionUid: pending.interactionUid },
        }),
      );
      return { kind: 'done', userId: applied.userId!, outcome: applied.outcome };
    } catch (error) {
      if (error instanceof ProvisioningRace && attempt < MAX_ATTEMPTS) continue;
      if (error instanceof AppError && error.code === 'provisioning_already_completed')
        return { kind: 'stopped', code: error.code, message: error.message };
      throw error;
    }
  }
}

async function stopped(
  store: Deps,
  idp: IdentityProvider,
  pending: PendingProvisioning,
  code: string,
  message: string,
): Promise<PromptResult> {
  await recordAudit(store.db, {
    actorType: 'user',
    actorId: null,
    action: 'jit.consent.declined',
    targetType: 'identity_provider',
    targetId: idp.id,
    outcome: 'refused',
    reason: code,
    details: { subject: pending.identity.subject },
  });
  return { kind: 'stopped', code, message };
}
