// The consent decision of the PROMPT_*_CONSENT schemes: what the page shows, and what the answers do.
import { describe, expect, it } from 'vitest';
import {
  type ConsentPurpose,
  AppError,
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_USER_SCHEMA,
  type ScimUserResource,
} from '../../src/domain/index.js';
import {
  applyStoredConsent,
  attributesToRemoveOnRevoke,
  buildConsentView,
  CONSENT_DENIED,
  CONSENT_MANDATORY_DECLINED,
  decideConsent,
  needsConsentPage,
  parseConsentForm,
} from '../../src/provisioning/consent.js';

const user = (): ScimUserResource => ({
  schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_USER_SCHEMA],
  userName: 'alice',
  name: { givenName: 'Alice', familyName: 'Liddell' },
  displayName: 'Alice Liddell',
  emails: [
    { value: 'alice@example.com', type: 'work', primary: true },
    { value: 'alice@home.example', type: 'home' },
  ],
  phoneNumbers: [{ value: '+44 20 7946 0000', type: 'mobile' }],
  [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'Research' },
});

const recovery: ConsentPurpose = {
  id: '11111111-1111-4111-8111-111111111111',
  purpose: 'Account recovery',
  description: 'To help you get back into your account',
  piiCategories: [
    { claim: 'emails[type eq "work"].value', mandatory: true },
    { claim: 'phoneNumbers', mandatory: false },
  ],
};
const profile: ConsentPurpose = {
  id: '22222222-2222-4222-8222-222222222222',
  purpose: 'Profile',
  description: 'Shown to colleagues',
  piiCategories: [
    { claim: 'displayName', mandatory: false },
    { claim: `${SCIM_ENTERPRISE_USER_SCHEMA}:department`, mandatory: false },
    { claim: 'title', mandatory: false }, // the user has none: not shown
  ],
};
const purposes = [recovery, profile];
const field = (p: ConsentPurpose, claim: string) => `${p.id}|${claim}`;
const dept = `${SCIM_ENTERPRISE_USER_SCHEMA}:department`;

describe('the consent page view', () => {
  it('lists each purpose with the attributes the user has, their values and mandatory marks', () => {
    const view = buildConsentView(purposes, user());
    expect(needsConsentPage(view)).toBe(true);
    expect(view.purposes.map((p) => p.purpose)).toEqual(['Account recovery', 'Profile']);
    expect(view.purposes[0]!.attributes).toEqual([
      {
        claim: 'emails[type eq "work"].value',
        label: 'Email (work)',
        values: ['alice@example.com'],
        mandatory: true,
        field: field(recovery, 'emails[type eq "work"].value'),
      },
      {
        claim: 'phoneNumbers',
        label: 'Phone number',
        values: ['+44 20 7946 0000 (mobile)'],
        mandatory: false,
        field: field(recovery, 'phoneNumbers'),
      },
    ]);
    expect(view.purposes[1]!.attributes.map((a) => [a.label, a.values])).toEqual([
      ['Display name', ['Alice Liddell']],
      ['Department', ['Research']],
    ]);
  });

  it('skips the page when no purpose touches the user’s data', () => {
    const bare: ScimUserResource = { schemas: [SCIM_USER_SCHEMA], userName: 'bob' };
    expect(needsConsentPage(buildConsentView(purposes, bare))).toBe(false);
    expect(needsConsentPage(buildConsentView([], user()))).toBe(false);
    // With nothing to ask, any answer provisions the user unchanged.
    const decision = decideConsent(purposes, bare, { decision: 'deny', accepted: new Set() });
    expect(decision).toEqual({ user: bare, stripped: [], receipts: [] });
  });
});

describe('deciding on the answers', () => {
  it('keeps consented attributes, strips unconsented optional ones, and drafts one receipt per purpose', () => {
    const accepted = new Set([field(recovery, 'emails[type eq "work"].value'), field(profile, 'displayName')]);
    const decision = decideConsent(purposes, user(), { decision: 'approve', accepted });
    expect(decision.stripped.sort()).toEqual([dept, 'phoneNumbers'].sort());
    expect(decision.user.phoneNumbers).toBeUndefined();
    expect(decision.user[SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(decision.user.schemas).toEqual([SCIM_USER_SCHEMA]);
    expect(decision.user.displayName).toBe('Alice Liddell');
    // Attributes no purpose lists are stored as mapped; the home email was not asked about.
    expect(decision.user.name).toEqual({ givenName: 'Alice', familyName: 'Liddell' });
    expect(decision.user.emails).toHaveLength(2);
    expect(decision.receipts).toEqual([
      {
        purposeId: recovery.id,
        purposeSnapshot: { purpose: recovery.purpose, description: recovery.description, piiCategories: recovery.piiCategories },
        consented: ['emails[type eq "work"].value'],
        declined: ['phoneNumbers'],
      },
      {
        purposeId: profile.id,
        purposeSnapshot: { purpose: profile.purpose, description: profile.description, piiCategories: profile.piiCategories },
        consented: ['displayName'],
        declined: [dept],
      },
    ]);
  });

  it('stops with a stable code when a mandatory attribute is not consented to, naming it', () => {
    const attempt = () => decideConsent(purposes, user(), { decision: 'approve', accepted: new Set([field(recovery, 'phoneNumbers')]) });
    expect(attempt).toThrow(AppError);
    try {
      attempt();
    } catch (error) {
      const e = error as AppError;
      expect(e.code).toBe(CONSENT_MANDATORY_DECLINED);
      expect(e.status).toBe(403);
      expect(e.message).toContain('Email (work)');
      expect(e.fields).toEqual([
        { field: field(recovery, 'emails[type eq "work"].value'), message: 'Email (work) is required for "Account recovery"' },
      ]);
    }
  });

  it('stops when the person denies outright', () => {
    expect(() => decideConsent(purposes, user(), { decision: 'deny', accepted: new Set() })).toThrow(
      expect.objectContaining({ code: CONSENT_DENIED }),
    );
  });

  it('keeps an attribute consented for one purpose though declined for another', () => {
    const both: ConsentPurpose = {
      ...profile,
      id: '33333333-3333-4333-8333-333333333333',
      piiCategories: [{ claim: 'phoneNumbers', mandatory: false }],
    };
    const accepted = new Set([field(recovery, 'emails[type eq "work"].value'), field(both, 'phoneNumbers')]);
    const decision = decideConsent([recovery, both], user(), { decision: 'approve', accepted });
    expect(decision.stripped).toEqual([]);
    expect(decision.user.phoneNumbers).toHaveLength(1);
  });

  it('ignores ticks that match nothing shown (a forged form cannot consent to more)', () => {
    const accepted = new Set([field(recovery, 'emails[type eq "work"].value'), `${recovery.id}|title`, 'garbage']);
    const decision = decideConsent(purposes, user(), { decision: 'approve', accepted });
    expect(decision.receipts[0]!.consented).toEqual(['emails[type eq "work"].value']);
  });
});

describe('the consent form', () => {
  it('reads the decision and every ticked box; anything but approve is a denial', () => {
    expect(parseConsentForm({ decision: 'approve', consent: ['a|x', 'b|y'] })).toEqual({
      decision: 'approve',
      accepted: new Set(['a|x', 'b|y']),
    });
    expect(parseConsentForm({ decision: 'approve', consent: 'a|x' }).accepted).toEqual(new Set(['a|x']));
    expect(parseConsentForm({ consent: 'a|x' }).decision).toBe('deny');
  });
});

describe('consent after provisioning', () => {
  it('keeps declined and revoked optional attributes out on later syncs', () => {
    const active = [{ purposeId: recovery.id, consented: ['emails[type eq "work"].value'], declined: ['phoneNumbers'] }];
    const revoked = [{ purposeId: profile.id, consented: ['displayName'], declined: [] }];
    const synced = applyStoredConsent(user(), active, revoked);
    expect(synced.phoneNumbers).toBeUndefined();
    expect(synced.displayName).toBeUndefined();
    expect(synced.emails).toHaveLength(2);
  });

  it('revoking removes the receipt’s optional attributes only, and not those another receipt consents to', () => {
    const receipt = {
      purposeId: recovery.id,
      purposeSnapshot: recovery,
      consented: ['emails[type eq "work"].value', 'phoneNumbers'],
      declined: [],
    };
    expect(attributesToRemoveOnRevoke(receipt, [])).toEqual(['phoneNumbers']);
    expect(attributesToRemoveOnRevoke(receipt, [{ purposeId: 'x', consented: ['phoneNumbers'], declined: [] }])).toEqual([]);
  });
});
