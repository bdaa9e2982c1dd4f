// Whether a secret someone supplies (a SCIM bearer token, an application's client secret) is strong enough to
// be checked with a fast hash: those are meant for machine-generated random values, not for something a
// person made up. A bearer token must also be sendable as one (RFC 6750 b64token characters).

export const SUPPLIED_SECRET_MIN_LENGTH = 32;
export const SUPPLIED_SECRET_MAX_LENGTH = 512;
/** Estimated bits a supplied secret must carry: as many as 32 random base64 characters give, short of rounding. */
export const SUPPLIED_SECRET_MIN_BITS = 128;

const B64TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

/**
 * An estimate of the entropy of `value` in bits: its length times the Shannon entropy of its own character
 * frequencies. It cannot prove a value random, but it refuses what is plainly not: repeated characters,
 * a short alphabet, a word typed twice. `openssl rand -base64 32` gives about 200.
 */
export function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    perCharacter -= p * Math.log2(p);
  }
  return perCharacter * value.length;
}

/** Why a supplied secret is refused, or null when it will do. */
export function suppliedSecretProblem(value: string): string | null {
  if (value.length < SUPPLIED_SECRET_MIN_LENGTH) return `must be at least ${SUPPLIED_SECRET_MIN_LENGTH} characters`;
  if (value.length > SUPPLIED_SECRET_MAX_LENGTH) return `must be at most ${SUPPLIED_SECRET_MAX_LENGTH} characters`;
  if (!B64TOKEN.test(value)) return 'may hold only letters, digits and . _ ~ + / = -';
  if (estimatedBits(value) < SUPPLIED_SECRET_MIN_BITS)
    return 'looks too predictable: use at least 32 random bytes, such as the output of openssl rand -base64 32';
  return null;
}
