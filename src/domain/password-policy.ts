// The policy a local password must meet (NIST SP 800-63B §5.1.1.2 in spirit: length over composition
// rules, no common or context-derived passwords). Pure: the caller hashes only what passes.
import { COMMON_PASSWORDS } from './common-passwords.js';
import { invalidInput, type FieldProblem } from './errors.js';
import { splitQualifiedName } from './user-store.js';

export interface PasswordPolicy {
  minLength: number;
  /** Bounds the cost of hashing what an unauthenticated caller sends. */
  maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 10, maxLength: 256 };

export type PasswordProblem = 'empty' | 'too_short' | 'too_long' | 'is_username' | 'contains_username' | 'common' | 'mismatch';

const messages: Record<PasswordProblem, (policy: PasswordPolicy) => string> = {
  empty: () => 'Enter a password.',
  too_short: (p) => `Use at least ${p.minLength} characters.`,
  too_long: (p) => `Use at most ${p.maxLength} characters.`,
  is_username: () => 'The password must not be your username.',
  contains_username: () => 'The password must not contain your username.',
  common: () => 'This password is too common; choose one that is harder to guess.',
  mismatch: () => 'The two passwords do not match.',
};

/** A sentence a person can act on. */
export function describePasswordProblem(problem: PasswordProblem, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): string {
  return messages[problem](policy);
}

/** Length in characters as a person counts them (code points, not UTF-16 units), after NFC. */
function length(value: string): number {
  return [...value.normalize('NFC')].length;
}

/**
 * The problems of a password for a username (qualified `DOMAIN/name` or plain); empty when it passes.
 * `confirmation`, when given, must equal the password.
 */
export function checkPassword(
  password: string,
  context: { username?: string | null; confirmation?: string },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): PasswordProblem[] {
  if (password.length === 0) return ['empty'];
  const problems: PasswordProblem[] = [];
  const size = length(password);
  if (size < policy.minLength) problems.push('too_short');
  // Checked on UTF-16 length as well, so a caller cannot make us normalise a megabyte.
  if (size > policy.maxLength || password.length > policy.maxLength * 2) problems.push('too_long');
  const lower = password.normalize('NFC').toLowerCase();
  if (context.username) {
    const name = splitQualifiedName(context.username).name.normalize('NFC').toLowerCase();
    const full = context.username.normalize('NFC').toLowerCase();
    if (lower === name || lower === full) problems.push('is_username');
    else if (name.length >= 3 && lower.includes(name)) problems.push('contains_username');
  }
  if (COMMON_PASSWORDS.has(lower)) problems.push('common');
  if (context.confirmation !== undefined && context.confirmation !== password) problems.push('mismatch');
  return problems;
}

/** Throws `weak_password` (400) naming every problem on the given field. */
export function assertPasswordAcceptable(
  password: string,
  context: { username?: string | null; confirmation?: string },
  field = 'password',
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): void {
  const problems = checkPassword(password, context, policy);
  if (problems.length === 0) return;
  const fields: FieldProblem[] = problems.map((p) => ({
    field: p === 'mismatch' ? 'confirmation' : field,
    message: describePasswordProblem(p, policy),
  }));
  const code = problems.includes('mismatch') && problems.length === 1 ? 'password_mismatch' : 'weak_password';
  throw invalidInput(code, fields.map((f) => f.message).join(' '), fields);
}
