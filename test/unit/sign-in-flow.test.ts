// Sign-in flow rules: validation naming the field, the JIT/MFA conflict warnings of the reference product,
// and which step comes next (`local_only` is the "MFA only when step 1 was LOCAL" script).
import { describe, expect, it } from 'vitest';
import {
  flowWarnings,
  needsSecondFactor,
  nextStep,
  signInFlowProblems,
  validateSignInFlow,
  type SignInFlow,
} from '../../src/domain/sign-in-flow.js';

const OKTA = '11111111-1111-4111-8111-111111111111';
const ADFS = '22222222-2222-4222-8222-222222222222';
const idps = [
  { id: OKTA, name: 'Okta', jit: { isEnabled: true } },
  { id: ADFS, name: 'ADFS', jit: { isEnabled: false } },
];

const twoStep = (when?: 'always' | 'local_only'): SignInFlow => ({
  steps: [
    { options: [{ authenticator: 'LOCAL' }, { idp: OKTA }, { idp: ADFS }] },
    { options: [{ authenticator: 'TOTP' }, { authenticator: 'EMAIL_OTP' }], ...(when ? { when } : {}) },
  ],
});

describe('validateSignInFlow', () => {
  it('accepts the empty flow, a one-step flow and a two-step flow', () => {
    expect(validateSignInFlow({ steps: [] })).toEqual({ steps: [] });
    expect(validateSignInFlow({ steps: [{ options: [{ idp: OKTA }] }] }).steps).toHaveLength(1);
    expect(validateSignInFlow(twoStep('local_only')).steps[1]!.when).toBe('local_only');
  });

  it('names the field of each problem', () => {
    const problems = signInFlowProblems({
      steps: [
        { options: [{ authenticator: 'TOTP' }, { idp: OKTA }, { idp: OKTA }], when: 'always' },
        { options: [{ authenticator: 'LOCAL' }, { idp: ADFS }] },
      ],
    });
    expect(problems).toEqual([
      { field: 'signInFlow.steps.0.options.0.authenticator', message: expect.stringContaining('second factors') },
      { field: 'signInFlow.steps.0.options.2', message: 'appears twice in this step' },
      { field: 'signInFlow.steps.0.when', message: 'applies to step 2 and later only' },
      { field: 'signInFlow.steps.1.options.0', message: expect.stringContaining('step 2 takes second factors only') },
      { field: 'signInFlow.steps.1.options.1', message: expect.stringContaining('step 2 takes second factors only') },
    ]);
  });

  it('refuses unknown shapes, authenticators and fields, and empty steps', () => {
    expect(signInFlowProblems({ steps: [{ options: [] }] })[0]!.field).toBe('signInFlow.steps.0.options');
    expect(signInFlowProblems({ steps: [{ options: [{ authenticator: 'SMS' }] }] })[0]!.field).toBe('signInFlow.steps.0.options.0');
    expect(signInFlowProblems({ steps: [{ options: [{ idp: 'not-a-uuid' }] }] })[0]!.field).toMatch(/^signInFlow\.steps\.0\.options\.0/);
    expect(signInFlowProblems({ steps: [], colour: 'red' })[0]).toEqual({ field: 'signInFlow.colour', message: 'unknown field' });
    expect(
      signInFlowProblems({ steps: [{ options: [{ idp: OKTA }] }, { options: [{ authenticator: 'TOTP' }], when: 'sometimes' }] })[0]!.field,
    ).toBe('signInFlow.steps.1.when');
  });

  it('checks IdPs against the ones the application allows', () => {
    expect(signInFlowProblems(twoStep(), { allowedIdpIds: [OKTA], field: 'flow' })).toEqual([
      { field: 'flow.steps.0.options.2.idp', message: 'is not one of the identity providers this application allows' },
    ]);
  });

  it('throws invalid_sign_in_flow (400) with the fields', () => {
    expect(() => validateSignInFlow({ steps: [{ options: [{ authenticator: 'EMAIL_OTP' }] }] })).toThrow(
      expect.objectContaining({
        code: 'invalid_sign_in_flow',
        status: 400,
        fields: [expect.objectContaining({ field: 'signInFlow.steps.0.options.0.authenticator' })],
      }),
    );
  });
});

describe('flowWarnings', () => {
  it('warns when a JIT-disabled IdP meets TOTP or Email OTP that is not local_only', () => {
    for (const when of [undefined, 'always'] as const) {
      const warnings = flowWarnings(twoStep(when), idps);
      expect(warnings).toEqual([
        { code: 'mfa_needs_local_account', message: expect.stringContaining("Identity provider 'ADFS' has JIT provisioning disabled") },
      ]);
      expect(warnings[0]!.message).toContain('TOTP / Email OTP');
      expect(warnings[0]!.message).toContain('"when": "local_only"');
    }
  });

  it('does not warn for local_only, for JIT-enabled IdPs, or without a second step', () => {
    expect(flowWarnings(twoStep('local_only'), idps)).toEqual([]);
    expect(flowWarnings({ steps: [{ options: [{ idp: OKTA }] }, { options: [{ authenticator: 'TOTP' }] }] }, idps)).toEqual([]);
    expect(flowWarnings({ steps: [{ options: [{ idp: ADFS }] }] }, idps)).toEqual([]);
  });

  it('warns when Email OTP has no mail server, and when JIT users could not enrol in TOTP (enhanced feature off)', () => {
    const email: SignInFlow = { steps: [{ options: [{ idp: OKTA }] }, { options: [{ authenticator: 'EMAIL_OTP' }] }] };
    // Email OTP needs no enrolment, so the enhanced feature does not matter to it.
    expect(flowWarnings(email, idps, { emailOtpAvailable: false, enhancedFeature: false }).map((w) => w.code)).toEqual([
      'email_otp_unavailable',
    ]);
    expect(flowWarnings(email, idps, { emailOtpAvailable: true, enhancedFeature: true })).toEqual([]);
    const either: SignInFlow = {
      steps: [{ options: [{ idp: OKTA }] }, { options: [{ authenticator: 'EMAIL_OTP' }, { authenticator: 'TOTP' }] }],
    };
    expect(flowWarnings(either, idps, { emailOtpAvailable: true, enhancedFeature: false }).map((w) => w.code)).toEqual([
      'mfa_needs_enhanced_feature',
    ]);
    expect(flowWarnings(either, idps, { emailOtpAvailable: true, enhancedFeature: true })).toEqual([]);
  });
});

describe('nextStep', () => {
  it('asks for step 1 first, then step 2 when it always applies', () => {
    expect(nextStep(twoStep(), [])).toEqual({ done: false, step: 1, options: twoStep().steps[0]!.options });
    expect(nextStep(twoStep(), [{ step: 1, idp: OKTA }])).toMatchObject({ done: false, step: 2 });
    expect(
      nextStep(twoStep(), [
        { step: 1, idp: OKTA },
        { step: 2, authenticator: 'TOTP' },
      ]),
    ).toEqual({ done: true });
  });

  it('runs a local_only step only after LOCAL', () => {
    expect(nextStep(twoStep('local_only'), [{ step: 1, authenticator: 'LOCAL' }])).toMatchObject({ done: false, step: 2 });
    expect(nextStep(twoStep('local_only'), [{ step: 1, idp: ADFS }])).toEqual({ done: true });
    expect(needsSecondFactor(twoStep('local_only'), { step: 1, authenticator: 'LOCAL' })).toBe(true);
    expect(needsSecondFactor(twoStep('local_only'), { step: 1, idp: OKTA })).toBe(false);
  });

  it('skips a local_only step and goes on to a later one that always applies', () => {
    const flow: SignInFlow = {
      steps: [
        { options: [{ idp: OKTA }, { authenticator: 'LOCAL' }] },
        { options: [{ authenticator: 'TOTP' }], when: 'local_only' },
        { options: [{ authenticator: 'EMAIL_OTP' }] },
      ],
    };
    expect(nextStep(flow, [{ step: 1, idp: OKTA }])).toMatchObject({ done: false, step: 3 });
    expect(
      nextStep(flow, [
        { step: 1, idp: OKTA },
        { step: 3, authenticator: 'EMAIL_OTP' },
      ]),
    ).toEqual({ done: true });
  });

  it('is done after the implicit step of an empty flow', () => {
    expect(nextStep({ steps: [] }, [{ step: 1, idp: OKTA }])).toEqual({ done: true });
  });
});
