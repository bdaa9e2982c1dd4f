// User stores (WSO2's user store domains): a username carries its domain as `DOMAIN/name`;
// no prefix means PRIMARY. Each store has a username and role name policy as regular expressions.
import { invalidInput } from './errors.js';

export const PRIMARY_DOMAIN = 'PRIMARY';
export const DOMAIN_SEPARATOR = '/';
export const DOMAIN_PATTERN = /^[A-Z0-9][A-Z0-9_.-]{0,63}$/;

/** Defaults of the PRIMARY store: no whitespace and no domain separator, like WSO2's JDBC default. */
export const DEFAULT_USERNAME_REGEX = '^[^\\s/]{3,255}$';
export const DEFAULT_ROLENAME_REGEX = '^[^/]{1,255}$';

export interface UserStore {
  id: string;
  domain: string;
  description: string;
  usernameRegex: string | null;
  rolenameRegex: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface QualifiedName {
  /** Upper-case domain; PRIMARY when the name had no prefix. */
  domain: string;
  /** The name within the store, without the prefix. */
  name: string;
  /** Whether the input carried an explicit `DOMAIN/` prefix. */
  explicitDomain: boolean;
}

/** Splits `EMPLOYEES/alice` into domain and name. Domains compare case-insensitively, as in WSO2. */
export function splitQualifiedName(value: string): QualifiedName {
  const at = value.indexOf(DOMAIN_SEPARATOR);
  if (at <= 0) return { domain: PRIMARY_DOMAIN, name: value, explicitDomain: false };
  return { domain: value.slice(0, at).toUpperCase(), name: value.slice(at + 1), explicitDomain: true };
}

/** The external form: PRIMARY names carry no prefix. */
export function qualifyName(domain: string, name: string): string {
  return domain === PRIMARY_DOMAIN ? name : `${domain}${DOMAIN_SEPARATOR}${name}`;
}

/** Compiles a store regex, or explains why it cannot be used. `field` names the setting in errors. */
export function compilePolicyRegex(pattern: string, field: string): RegExp {
  if (pattern.length > 1000)
    throw invalidInput('invalid_regex', `${field} is longer than 1000 characters`, [{ field, message: 'too long' }]);
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidInput('invalid_regex', `${field} is not a valid regular expression: ${reason}`, [{ field, message: reason }]);
  }
}

const compiled = new Map<string, RegExp>();

/** Whether a name satisfies a store regex (null = no policy). The regex must match the whole name. */
export function matchesPolicy(pattern: string | null, name: string): boolean {
  if (pattern === null) return true;
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, 'u');
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, regex);
  }
  const match = regex.exec(name);
  return match !== null && match.index === 0 && match[0].length === name.length;
}
