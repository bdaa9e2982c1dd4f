// JIT consent (the reference product's "Prompt for consent"): what the consent page shows, and what the
// person's answers mean for the user about to be stored. Pure: no I/O, so the interaction can call it
// between the provisioning plan and its apply, and tests can drive every case directly.
//
// Rules (reference docs, "Tips on JIT consent purposes"): only attributes listed in a purpose are asked
// about; no consent to a mandatory attribute → no provisioning; an optional attribute not consented to
// in any purpose is not stored; attributes no purpose lists are stored as mapped.
import {
  AppError,
  type ConsentPurpose,
  type PurposeSnapshot,
  parseAttributePath,
  readAttributeValues,
  removeAttributeValue,
  type AttributePath,
  type ScimUserResource,
} from '../domain/index.js';

export interface ConsentAttributeView {
  /** Canonical SCIM path. */
  claim: string;
  /** A name a person understands ("Email (work)"). */
  label: string;
  /** The values about to be stored, one per line. */
  values: string[];
  mandatory: boolean;
  /** The form value of this attribute's checkbox (`<purpose id>|<claim>`). */
  field: string;
}

export interface ConsentPurposeView {
  id: string;
  purpose: string;
  description: string;
  attributes: ConsentAttributeView[];
}

export interface ConsentView {
  purposes: ConsentPurposeView[];
}

/** The person's answers: approve (with the attributes ticked) or deny outright. */
export interface ConsentAnswers {
  decision: 'approve' | 'deny';
  /** Form values (`<purpose id>|<claim>`) of the ticked attributes. */
  accepted: ReadonlySet<string>;
}

export interface ConsentReceiptDraft {
  purposeId: string;
  purposeSnapshot: PurposeSnapshot;
  consented: string[];
  declined: string[];
}

export interface ConsentDecision {
  /** The user to store: optional attributes without consent removed. */
  user: ScimUserResource;
  /** Canonical paths removed from the user. */
  stripped: string[];
  /** One receipt per purpose the person was asked about. */
  receipts: ConsentReceiptDraft[];
}

/** Stable codes of a refusal; the login shows a page and stores nothing. */
export const CONSENT_DENIED = 'consent_denied';
export const CONSENT_MANDATORY_DECLINED = 'consent_mandatory_declined';

const LABELS: Record<string, string> = {
  userName: 'Username',
  externalId: 'External id',
  name: 'Name',
  'name.formatted': 'Full name',
  'name.givenName': 'Given name',
  'name.familyName': 'Family name',
  'name.middleName': 'Middle name',
  'name.honorificPrefix': 'Title (prefix)',
  'name.honorificSuffix': 'Suffix',
  displayName: 'Display name',
  nickName: 'Nickname',
  profileUrl: 'Profile URL',
  title: 'Job title',
  userType: 'User type',
  preferredLanguage: 'Preferred language',
  locale: 'Locale',
  timezone: 'Time zone',
  active: 'Active',
  emails: 'Email',
  phoneNumbers: 'Phone number',
  ims: 'Instant messaging',
  photos: 'Photo',
  addresses: 'Address',
  entitlements: 'Entitlements',
  roles: 'Roles',
  x509Certificates: 'Certificates',
  employeeNumber: 'Employee number',
  costCenter: 'Cost center',
  organization: 'Organization',
  division: 'Division',
  department: 'Department',
  manager: 'Manager',
};

/** A person-readable name for a path: `emails[type eq "work"].value` → `Email (work)`. */
export function attributeLabel(path: AttributePath): string {
  const full = path.subAttribute ? `${path.attribute}.${path.subAttribute}` : path.attribute;
  let label = LABELS[full] ?? LABELS[path.attribute] ?? path.attribute;
  if (path.subAttribute && !LABELS[full] && path.subAttribute !== 'value') label = `${label}: ${path.subAttribute}`;
  if (path.filter)
    label += path.filter.attribute === 'type' ? ` (${String(path.filter.value)})` : path.filter.value ? ' (primary)' : ' (other)';
  return label;
}

const fieldOf = (purposeId: string, claim: string) => `${purposeId}|${claim}`;

function parsed(claim: string): AttributePath | undefined {
  const result = parseAttributePath(claim);
  return result.ok ? result.path : undefined;
}

/** What the consent page shows: purposes with the attributes this user actually has a value for. */
export function buildConsentView(purposes: readonly ConsentPurpose[], user: ScimUserResource): ConsentView {
  const views: ConsentPurposeView[] = [];
  for (const purpose of purposes) {
    const attributes: ConsentAttributeView[] = [];
    for (const category of purpose.piiCategories) {
      const path = parsed(category.claim);
      if (!path) continue; // validated on write; an unreadable stored path asks nothing
      const values = readAttributeValues(user, path);
      if (values.length === 0) continue; // nothing would be stored, so there is nothing to consent to
      attributes.push({
        claim: path.canonical,
        label: attributeLabel(path),
        values,
        mandatory: category.mandatory,
        field: fieldOf(purpose.id, path.canonical),
      });
    }
    if (attributes.length > 0) views.push({ id: purpose.id, purpose: purpose.purpose, description: purpose.description, attributes });
  }
  return { purposes: views };
}

/** Whether there is anything to ask; with no purpose touching this user's data the page is skipped. */
export function needsConsentPage(view: ConsentView): boolean {
  return view.purposes.length > 0;
}

/** Reads the consent form: `decision` (`approve`/`deny`) and every ticked `consent` checkbox. */
export function parseConsentForm(form: Record<string, string | File | (string | File)[]>): ConsentAnswers {
  const raw = form.consent;
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((v): v is string => typeof v === 'string');
  return { decision: form.decision === 'approve' ? 'approve' : 'deny', accepted: new Set(values) };
}

/**
 * Applies the answers to the user about to be stored. Throws (403, stable code) when the person denied,
 * or withheld consent to a mandatory attribute; the error's fields name those attributes.
 */
export function decideConsent(purposes: readonly ConsentPurpose[], user: ScimUserResource, answers: ConsentAnswers): ConsentDecision {
  const view = buildConsentView(purposes, user);
  if (answers.decision === 'deny' && needsConsentPage(view)) {
    throw new AppError('forbidden', CONSENT_DENIED, 'You declined the use of your information, so no account was created.');
  }
  const missing = view.purposes.flatMap((p) =>
    p.attributes.filter((a) => a.mandatory && !answers.accepted.has(a.field)).map((a) => ({ purpose: p, attribute: a })),
  );
  if (missing.length > 0) {
    throw new AppError(
      'forbidden',
      CONSENT_MANDATORY_DECLINED,
      `Consent to ${[...new Set(missing.map((m) => m.attribute.label))].join(', ')} is required to create your account.`,
      missing.map((m) => ({ field: m.attribute.field, message: `${m.attribute.label} is required for "${m.purpose.purpose}"` })),
    );
  }
  const receipts: ConsentReceiptDraft[] = [];
  const consentedAnywhere = new Set<string>();
  const declinedSomewhere = new Set<string>();
  for (const purposeView of view.purposes) {
    const purpose = purposes.find((p) => p.id === purposeView.id)!;
    const consented = purposeView.attributes.filter((a) => answers.accepted.has(a.field)).map((a) => a.claim);
    const declined = purposeView.attributes.filter((a) => !answers.accepted.has(a.field)).map((a) => a.claim);
    consented.forEach((c) => consentedAnywhere.add(c));
    declined.forEach((c) => declinedSomewhere.add(c));
    receipts.push({
      purposeId: purpose.id,
      purposeSnapshot: { purpose: purpose.purpose, description: purpose.description, piiCategories: purpose.piiCategories },
      consented,
      declined,
    });
  }
  // An attribute agreed to for one purpose is stored, even if declined for another.
  const stripped = [...declinedSomewhere].filter((c) => !consentedAnywhere.has(c));
  return { user: stripAttributes(user, stripped), stripped, receipts };
}

/** A copy of the user without the data at these canonical paths. */
export function stripAttributes(user: ScimUserResource, claims: readonly string[]): ScimUserResource {
  let result = user;
  for (const claim of claims) {
    const path = parsed(claim);
    if (path) result = removeAttributeValue(result, path);
  }
  return result;
}

/** The part of a stored receipt that later decisions need. */
export interface ActiveReceipt {
  purposeId: string;
  consented: readonly string[];
  declined: readonly string[];
}

/**
 * For attribute sync on later logins: the optional attributes the person has not agreed to (declined,
 * or consent revoked) must not come back from the IdP. Returns the user without them. Attributes no
 * receipt mentions are left alone (they were not asked about).
 */
export function applyStoredConsent(
  user: ScimUserResource,
  activeReceipts: readonly ActiveReceipt[],
  revokedReceipts: readonly ActiveReceipt[] = [],
): ScimUserResource {
  return stripAttributes(user, withheldAttributes(activeReceipts, revokedReceipts));
}

/** The optional attributes the person has not agreed to (declined, or revoked), unless another active receipt agrees. */
export function withheldAttributes(activeReceipts: readonly ActiveReceipt[], revokedReceipts: readonly ActiveReceipt[] = []): string[] {
  const consented = new Set(activeReceipts.flatMap((r) => r.consented));
  const withheld = new Set([
    ...activeReceipts.flatMap((r) => r.declined),
    ...revokedReceipts.flatMap((r) => r.consented),
    ...revokedReceipts.flatMap((r) => r.declined),
  ]);
  return [...withheld].filter((c) => !consented.has(c));
}

/**
 * What revoking one receipt removes from the user: the optional attributes it consented to that no
 * other active receipt also consents to. Mandatory attributes stay (the account cannot exist without them).
 */
export function attributesToRemoveOnRevoke(
  receipt: ActiveReceipt & { purposeSnapshot: PurposeSnapshot },
  otherActive: readonly ActiveReceipt[],
): string[] {
  const mandatory = new Set(receipt.purposeSnapshot.piiCategories.filter((c) => c.mandatory).map((c) => c.claim));
  const stillConsented = new Set(otherActive.flatMap((r) => r.consented));
  return receipt.consented.filter((claim) => !mandatory.has(claim) && !stillConsented.has(claim));
}
