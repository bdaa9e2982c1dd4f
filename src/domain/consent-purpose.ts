// JIT consent purposes (the reference product's "Manage JIT provisioning purposes"): a purpose, its
// description, and the PII categories it covers, each a SCIM User attribute path that is mandatory or not.
// Consent receipts record what a person was shown and what they agreed to.
import type { FieldProblem } from './errors.js';
import { parseAttributePath } from './scim-attribute-path.js';

export interface PiiCategory {
  /** Canonical SCIM User attribute path (core attributes without the URN). */
  claim: string;
  /** Without consent to a mandatory attribute no user is provisioned. */
  mandatory: boolean;
}

export interface ConsentPurpose {
  id: string;
  purpose: string;
  description: string;
  piiCategories: PiiCategory[];
}

/** What a receipt keeps of the purpose as the person saw it (the purpose may change later). */
export type PurposeSnapshot = Omit<ConsentPurpose, 'id'>;

export interface ConsentReceipt {
  id: string;
  userId: string;
  purposeId: string;
  purposeSnapshot: PurposeSnapshot;
  /** Canonical paths agreed to, and declined. */
  consented: string[];
  declined: string[];
  idpId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Attributes a user cannot exist without; they may be listed only as mandatory. */
const ALWAYS_KEPT = new Set(['userName']);

/**
 * Checks PII categories and writes each path canonically. Problems name `piiCategories.<i>.claim`:
 * an unknown attribute, a duplicate, or `userName` marked optional (a user always has one).
 */
export function normalisePiiCategories(categories: PiiCategory[]): { categories: PiiCategory[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const normalised: PiiCategory[] = [];
  categories.forEach((category, index) => {
    const field = `piiCategories.${index}.claim`;
    const parsed = parseAttributePath(category.claim);
    if (!parsed.ok) {
      problems.push({ field, message: `not a SCIM User attribute path: ${parsed.reason}` });
      return;
    }
    const claim = parsed.path.canonical;
    if (seen.has(claim)) problems.push({ field, message: `'${claim}' is listed twice` });
    else if (ALWAYS_KEPT.has(claim) && !category.mandatory)
      problems.push({ field, message: `'${claim}' can only be mandatory: every user has one` });
    seen.add(claim);
    normalised.push({ claim, mandatory: category.mandatory });
  });
  return { categories: normalised, problems };
}
