// What the login interaction does after step 1: finish, ask for a second factor (enrolling TOTP first if
// needed), or stop with the reason, for local, JIT-provisioned and JIT-disabled (no account) sign-ins.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignInFlow, defaultSettings } from '../../../src/domain/index.js';
import { decideSecondFactor, beginTotpEnrolment, confirmTotpEnrolment } from '../../../src/accounts/index.js';
import { writeSettings } from '../../../src/store/index.js';
import { openFixture, type Fixture } from './fixture.js';

let f: Fixture;
let idpId: string;
beforeAll(async () => {
  f = await openFixture('second_factor');
  idpId = await f.idp('corp');
});
afterAll(async () => f?.close());

const flow = (when: 'always' | 'local_only' = 'always'): SignInFlow => ({
  steps: [
    { options: [{ authenticator: 'LOCAL' }, { idp: idpId }] },
    { options: [{ authenticator: 'TOTP' }, { authenticator: 'EMAIL_OTP' }], when },
  ],
});

describe('decideSecondFactor', () => {
  it('offers TOTP enrolment and Email OTP to a local user, and TOTP once enrolled', async () => {
    const userId = await f.user('sf-local');
    const deps = { store: f.store, emailOtpAvailable: true };
    const input = { flow: flow(), completed: [{ step: 1, authenticator: 'LOCAL' as const }], userId };
    expect(await decideSecondFactor(deps, input)).toEqual({
      kind: 'challenge',
      step: 2,
      usable: [
        { authenticator: 'TOTP', state: 'needs_enrolment' },
        { authenticator: 'EMAIL_OTP', state: 'ready' },
      ],
      all: [
        { authenticator: 'TOTP', state: 'needs_enrolment' },
        { authenticator: 'EMAIL_OTP', state: 'ready' },
      ],
    });
    const now = new Date();
    const { secret } = await beginTotpEnrolment(f.store, userId, { issuer: 'x', now });
    await confirmTotpEnrolment(f.store, userId, await generate({ secret, epoch: Math.floor(now.getTime() / 1000) }), { now });
    const decided = await decideSecondFactor({ store: f.store, emailOtpAvailable: false }, input);
    expect(decided).toMatchObject({ kind: 'challenge', usable: [{ authenticator: 'TOTP', state: 'ready' }] });
    expect(await decideSecondFactor(deps, { ...input, completed: [...input.completed, { step: 2, authenticator: 'TOTP' }] })).toEqual({
      kind: 'done',
    });
  });

  it('skips a local_only step after a federated sign-in', async () => {
    const userId = await f.user('sf-jit-skip', { jitIdpId: idpId });
    expect(
      await decideSecondFactor(
        { store: f.store, emailOtpAvailable: true },
        { flow: flow('local_only'), completed: [{ step: 1, idp: idpId }], userId },
      ),
    ).toEqual({
      kind: 'done',
    });
  });

  it('blocks a JIT-disabled sign-in (no account), and a JIT user who may not enrol without the enhanced feature', async () => {
    expect(
      await decideSecondFactor(
        { store: f.store, emailOtpAvailable: true },
        { flow: flow(), completed: [{ step: 1, idp: idpId }], userId: null },
      ),
    ).toMatchObject({
      kind: 'blocked',
      code: 'mfa_requires_local_account',
    });
    const userId = await f.user('sf-jit', { jitIdpId: idpId });
    const onlyTotp: SignInFlow = { steps: [flow().steps[0]!, { options: [{ authenticator: 'TOTP' }] }] };
    const blocked = await decideSecondFactor(
      { store: f.store, emailOtpAvailable: true },
      { flow: onlyTotp, completed: [{ step: 1, idp: idpId }], userId },
    );
    expect(blocked).toMatchObject({ kind: 'blocked', code: 'no_usable_factor', message: expect.stringContaining('enhancedFeature') });
    const settings = defaultSettings();
    await writeSettings(f.store.db, { ...settings, jit: { ...settings.jit, enhancedFeature: true } });
    expect(
      await decideSecondFactor(
        { store: f.store, emailOtpAvailable: true },
        { flow: onlyTotp, completed: [{ step: 1, idp: idpId }], userId },
      ),
    ).toMatchObject({
      kind: 'challenge',
      usable: [{ authenticator: 'TOTP', state: 'needs_enrolment' }],
    });
  });
});
