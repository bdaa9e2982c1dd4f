// An application's sign-in flow (DESIGN.md "sign-in flow"): step 1 is how the person proves who they are
// (the LOCAL password and/or federated IdPs), later steps are second factors (TOTP, Email OTP), each with a
// condition. `when: 'local_only'` is the reference product's conditional script "run step 2 only when step 1
// was LOCAL" (reference 001, "Troubleshoot sign-in flow errors"). Pure rules: validation, warnings, next step.
import { z } from 'zod';
import { invalidInput, type FieldProblem } from './errors.js';

export const FIRST_FACTORS = ['LOCAL'] as const;
export const SECOND_FACTORS = ['TOTP', 'EMAIL_OTP'] as const;
export const AUTHENTICATORS = [...FIRST_FACTORS, ...SECOND_FACTORS] as const;
export type Authenticator = (typeof AUTHENTICATORS)[number];
export type SecondFactor = (typeof SECOND_FACTORS)[number];

export const STEP_CONDITIONS = ['always', 'local_only'] as const;
export type StepCondition = (typeof STEP_CONDITIONS)[number];

/** How many steps a flow may have: one first factor and up to two second factors. */
export const MAX_STEPS = 3;

export const signInOptionSchema = z.union([
  z.object({ idp: z.uuid() }).strict(),
  z.object({ authenticator: z.enum(AUTHENTICATORS) }).strict(),
]);

export const signInStepSchema = z
  .object({
    options: z.array(signInOptionSchema).min(1),
    when: z.enum(STEP_CONDITIONS).optional(),
  })
  .strict();

/** The shape only; `validateSignInFlow` checks the rules between steps. */
export const signInFlowSchema = z.object({ steps: z.array(signInStepSchema).max(MAX_STEPS) }).strict();

export type SignInOption = z.infer<typeof signInOptionSchema>;
export type SignInStep = z.infer<typeof signInStepSchema>;
export type SignInFlow = z.infer<typeof signInFlowSchema>;

/** An empty flow: the app's allowed IdPs are offered in one step (the IdP chooser), no second factor. */
export const emptySignInFlow = (): SignInFlow => ({ steps: [] });

const isSecondFactor = (option: SignInOption): option is { authenticator: SecondFactor } =>
  'authenticator' in option && (SECOND_FACTORS as readonly string[]).includes(option.authenticator);

const optionKey = (option: SignInOption) => ('idp' in option ? `idp:${option.idp}` : `authenticator:${option.authenticator}`);

export interface ValidateFlowOptions {
  /** IdP ids the flow may name (for an app: its `identityProviders`); unset → any IdP id is accepted. */
  allowedIdpIds?: Iterable<string>;
  /** Field prefix of problems, such as `signInFlow`. */
  field?: string;
}

/** Problems with a flow, each naming its field; empty when the flow is valid. */
export function signInFlowProblems(input: unknown, options: ValidateFlowOptions = {}): FieldProblem[] {
  const prefix = options.field ?? 'signInFlow';
  const parsed = signInFlowSchema.safeParse(input);
  if (!parsed.success) {
    // Field names as the admin API gives them (dotted, array indexes as segments: `signInFlow.steps.0.when`).
    return parsed.error.issues.flatMap((issue) => {
      const base = [prefix, ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: `${base}.${key}`, message: 'unknown field' }));
      return [{ field: base, message: issue.message }];
    });
  }
  const allowed = options.allowedIdpIds ? new Set(options.allowedIdpIds) : null;
  const problems: FieldProblem[] = [];
  parsed.data.steps.forEach((step, index) => {
    const at = `${prefix}.steps.${index}`;
    const seen = new Set<string>();
    step.options.forEach((option, o) => {
      const field = `${at}.options.${o}`;
      const key = optionKey(option);
      if (seen.has(key)) problems.push({ field, message: 'appears twice in this step' });
      seen.add(key);
      if (index === 0 && isSecondFactor(option)) {
        problems.push({
          field: `${field}.authenticator`,
          message: 'step 1 takes LOCAL and/or identity providers; TOTP and EMAIL_OTP are second factors',
        });
      }
      if (index > 0 && !isSecondFactor(option)) {
        problems.push({ field, message: `step ${index + 1} takes second factors only (${SECOND_FACTORS.join(', ')})` });
      }
      if ('idp' in option && allowed && !allowed.has(option.idp)) {
        problems.push({ field: `${field}.idp`, message: 'is not one of the identity providers this application allows' });
      }
    });
    if (index === 0 && step.when !== undefined) {
      problems.push({ field: `${at}.when`, message: 'applies to step 2 and later only' });
    }
  });
  return problems;
}

/** Parses and checks a flow; throws `invalid_sign_in_flow` (400) naming each bad field. */
export function validateSignInFlow(input: unknown, options: ValidateFlowOptions = {}): SignInFlow {
  const problems = signInFlowProblems(input, options);
  if (problems.length > 0) {
    throw invalidInput('invalid_sign_in_flow', `the sign-in flow is not valid: ${problems[0]!.field} ${problems[0]!.message}`, problems);
  }
  return signInFlowSchema.parse(input);
}

export interface FlowWarning {
  code: 'mfa_needs_local_account' | 'email_otp_unavailable' | 'mfa_needs_enhanced_feature';
  message: string;
}

/** What `flowWarnings` needs to know of an IdP. */
export interface FlowIdp {
  id: string;
  name: string;
  jit: { isEnabled: boolean };
}

export interface FlowWarningContext {
  /** Whether SMTP is configured (SMTP_URL); unset → assumed available. */
  emailOtpAvailable?: boolean;
  /** settings.jit.enhancedFeature; unset → not checked. Without it, JIT users cannot enrol in a second factor. */
  enhancedFeature?: boolean;
}

const factorName = (factor: SecondFactor) => (factor === 'TOTP' ? 'TOTP' : 'Email OTP');

/**
 * Conflicts that do not make a flow invalid but will break some sign-ins, as the reference product warns:
 * TOTP and Email OTP need a local account, which a JIT-disabled IdP never creates. A step with
 * `when: 'local_only'` is skipped for federated sign-ins, so it does not conflict.
 */
export function flowWarnings(flow: SignInFlow, idps: readonly FlowIdp[], context: FlowWarningContext = {}): FlowWarning[] {
  const warnings: FlowWarning[] = [];
  const byId = new Map(idps.map((idp) => [idp.id, idp]));
  const stepIdps = (flow.steps[0]?.options ?? []).flatMap((o) => ('idp' in o ? [byId.get(o.idp)].filter((x): x is FlowIdp => !!x) : []));
  flow.steps.slice(1).forEach((step, i) => {
    const stepNumber = i + 2;
    const factors = step.options.filter(isSecondFactor).map((o) => o.authenticator);
    if (factors.length === 0) return;
    const names = factors.map(factorName).join(' / ');
    if ((step.when ?? 'always') !== 'local_only') {
      for (const idp of stepIdps) {
        if (!idp.jit.isEnabled) {
          warnings.push({
            code: 'mfa_needs_local_account',
            message:
              `Identity provider '${idp.name}' has JIT provisioning disabled, but step ${stepNumber} asks for ${names}, ` +
              `which needs a local account: people who sign in through '${idp.name}' cannot finish signing in. ` +
              `Enable JIT provisioning for '${idp.name}', or set "when": "local_only" on step ${stepNumber}.`,
          });
        } else if (context.enhancedFeature === false && factors.includes('TOTP')) {
          // Only TOTP needs enrolling; Email OTP uses the address the user already has.
          warnings.push({
            code: 'mfa_needs_enhanced_feature',
            message:
              `Step ${stepNumber} asks for TOTP after a sign-in through '${idp.name}', but federated (JIT-provisioned) users ` +
              `can enrol in TOTP only with settings.jit.enhancedFeature on.`,
          });
        }
      }
    }
    if (factors.includes('EMAIL_OTP') && context.emailOtpAvailable === false) {
      warnings.push({
        code: 'email_otp_unavailable',
        message: `Step ${stepNumber} offers Email OTP, but no mail server is configured (set SMTP_URL and SMTP_FROM).`,
      });
    }
  });
  return warnings;
}

/** A step the person has completed (1-based `step`), and with what: the local password, an IdP, or a factor. */
export type CompletedStep = { step: number } & ({ authenticator: Authenticator } | { idp: string });

export type NextStep = { done: true } | { done: false; step: number; options: SignInOption[] };

/**
 * Which step comes next after the `completed` ones: the first later step whose condition holds.
 * `local_only` runs only when step 1 was LOCAL (a federated sign-in skips it). An empty flow is done after
 * its one implicit step (the IdP chooser).
 */
export function nextStep(flow: SignInFlow, completed: readonly CompletedStep[]): NextStep {
  const steps = flow.steps;
  const last = completed.reduce((max, c) => Math.max(max, c.step), 0);
  if (last === 0 && steps.length > 0) return { done: false, step: 1, options: steps[0]!.options };
  const first = completed.find((c) => c.step === 1);
  const firstWasLocal = first !== undefined && 'authenticator' in first && first.authenticator === 'LOCAL';
  for (let index = Math.max(1, last); index < steps.length; index += 1) {
    const step = steps[index]!;
    if ((step.when ?? 'always') === 'local_only' && !firstWasLocal) continue;
    return { done: false, step: index + 1, options: step.options };
  }
  return { done: true };
}

/** Whether a sign-in that completed step 1 this way still needs a second factor under this flow. */
export function needsSecondFactor(flow: SignInFlow, first: CompletedStep): boolean {
  return !nextStep(flow, [{ ...first, step: 1 }]).done;
}
