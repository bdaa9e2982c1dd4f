// Local passwords: setting one (policy-checked, scrypt-hashed, never logged) and checking a username +
// password for the LOCAL sign-in method. The check gives the same answer, after about the same work,
// whether or not the user exists (an unknown name is verified against a dummy hash), and failures are
// counted per account and per client address in the database, so every instance enforces one limit.
import { randomBytes } from 'node:crypto';
import {
  invalidInput,
  assertPasswordAcceptable,
  DEFAULT_PASSWORD_POLICY,
  type PasswordPolicy,
  type ScimUserResource,
  splitQualifiedName,
} from '../domain/index.js';
import {
  recordAudit,
  type Actor,
  hashPassword,
  verifyPassword,
  type Store,
  clearLoginFailures,
  findBlockedKeys,
  recordLoginFailure,
  type ThrottleRule,
  emitOutboxEvent,
  findUserStoreByDomain,
  findUserByUserName,
  getUserById,
  updateUser,
} from '../store/index.js';

export interface ThrottleRules {
  /** Failures on one username, from anywhere. */
  account: ThrottleRule;
  /** Failures from one client address, on any username. */
  address: ThrottleRule;
}

export const DEFAULT_THROTTLE_RULES: ThrottleRules = {
  account: { limit: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
  address: { limit: 20, windowSeconds: 15 * 60, blockSeconds: 15 * 60 },
};

export type LocalSignInResult =
  | { ok: true; userId: string; userName: string }
  | {
      ok: false;
      /** `invalid_credentials` whether the name is unknown or the password wrong; `account_unavailable` only after a right password. */
      code: 'invalid_credentials' | 'too_many_attempts' | 'account_unavailable';
      message: string;
      retryAfterSeconds?: number;
    };

const INVALID: LocalSignInResult = { ok: false, code: 'invalid_credentials', message: 'The username or password is not correct.' };

// Each scrypt run (hashPassword, verifyPassword) takes a slot of the process-wide limit (store/password-hash-slots.ts):
// a burst of unauthenticated attempts is refused with 503 + Retry-After rather than queued without bound.
let dummyHash: Promise<string> | null = null;
/** A hash of a random password, verified when there is no real one, so unknown names cost the same. */
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url')).catch((error: unknown) => {
    dummyHash = null; // refused for want of a slot: try again next time
    throw error;
  });
  return dummyHash;
}

/**
 * The throttling unit of a client address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 — one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing.
 */
export function addressBucket(address: string): string {
  const trimmed = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(trimmed);
  if (mapped) return mapped[1]!;
  if (!trimmed.includes(':')) return trimmed;
  const [head = '', tail = ''] = trimmed.split('::');
  const left = head ? head.split(':') : [];
  const right = trimmed.includes('::') && tail ? tail.split(':') : [];
  const groups = trimmed.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Throttle keys: the account by domain and lower-cased name (known or not), and the client address. */
export function throttleKeys(username: string, clientAddress: string | null): { account: string; address: string | null } {
  const { domain, name } = splitQualifiedName(username.trim());
  return { account: `account:${domain}/${name.toLowerCase()}`, address: clientAddress ? `address:${addressBucket(clientAddress)}` : null };
}

/** Checks a username (`DOMAIN/name` or plain for PRIMARY) and password for the LOCAL sign-in method. */
export async function verifyLocalSignIn(
  store: Pick<Store, 'db' | 'transaction'>,
  input: { username: string; password: string; clientAddress: string | null },
  options: { rules?: ThrottleRules; policy?: PasswordPolicy } = {},
): Promise<LocalSignInResult> {
  const rules = options.rules ?? DEFAULT_THROTTLE_RULES;
  const policy = options.policy ?? DEFAULT_PASSWORD_POLICY;
  const username = (input.username ?? '').trim();
  const keys = throttleKeys(username, input.clientAddress);
  const keyList = [keys.account, ...(keys.address ? [keys.address] : [])];

  const blocked = await findBlockedKeys(store.db, keyList);
  if (blocked.length > 0) {
    const until = Math.max(...blocked.map((b) => b.blockedUntil!.getTime()));
    return {
      ok: false,
      code: 'too_many_attempts',
      message: 'Too many failed attempts. Try again later.',
      retryAfterSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)),
    };
  }

  // Out-of-bounds input is a failure like any other, but never reaches the (costly) hash.
  const plausible =
    username.length > 0 && username.length <= 512 && input.password.length > 0 && input.password.length <= policy.maxLength * 2;
  const { domain, name } = splitQualifiedName(username);
  const userStore = plausible ? await findUserStoreByDomain(store.db, domain) : undefined;
  const user = userStore ? await findUserByUserName(store.db, userStore.id, name) : undefined;
  let passwordRight = false;
  if (plausible) {
    const stored = user?.passwordHash ?? (await dummy());
    const matched = await verifyPassword(input.password, stored);
    passwordRight = matched && Boolean(user?.passwordHash);
  }

  if (!passwordRight || !user) {
    await store.transaction(async (tx) => {
      await recordLoginFailure(tx, keys.account, rules.account);
      if (keys.address) await recordLoginFailure(tx, keys.address, rules.address);
      // One audit row either way (no timing tell); the typed name is not kept for unknown users,
      // since people sometimes type their password into the username field.
      await recordAudit(tx, {
        actorType: 'user',
        actorId: user?.id ?? null,
        action: 'local_login',
        targetType: 'user',
        targetId: user?.id ?? null,
        outcome: 'failure',
        reason: 'invalid_credentials',
        details: { clientAddress: input.clientAddress },
      });
    });
    return INVALID;
  }
  if (user.locked || !user.active) {
    await recordAudit(store.db, {
      actorType: 'user',
      actorId: user.id,
      action: 'local_login',
      targetType: 'user',
      targetId: user.id,
      outcome: 'refused',
      reason: user.locked ? 'user_locked' : 'user_inactive',
      details: { clientAddress: input.clientAddress },
    });
    return { ok: false, code: 'account_unavailable', message: 'This account cannot sign in. Contact your administrator.' };
  }
  await store.transaction(async (tx) => {
    await clearLoginFailures(tx, [keys.account]);
    await recordAudit(tx, {
      actorType: 'user',
      actorId: user.id,
      action: 'local_login',
      targetType: 'user',
      targetId: user.id,
      outcome: 'success',
      details: { clientAddress: input.clientAddress },
    });
  });
  return { ok: true, userId: user.id, userName: (user.resource as ScimUserResource).userName };
}

/**
 * Checks a new password against the policy for this username and hashes it. For the provisioning
 * prompts: call before the apply transaction (hashing is slow), then store the hash with the user.
 */
export async function hashNewPassword(
  password: string,
  context: { username: string | null; confirmation?: string },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): Promise<string> {
  assertPasswordAcceptable(password, context, 'password', policy);
  return hashPassword(password);
}

/**
 * Sets (or with `password: null`, removes) a user's local password, with audit and outbox events in one
 * transaction. A new password also lifts the account's sign-in block.
 */
export async function setLocalPassword(
  store: Pick<Store, 'db' | 'transaction'>,
  input: { userId: string; password: string | null; confirmation?: string; actor: Actor },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): Promise<void> {
  const current = await getUserById(store.db, input.userId);
  const userName = (current.resource as ScimUserResource).userName;
  if (input.password !== null && typeof input.password !== 'string')
    throw invalidInput('validation_failed', 'password must be a string', [{ field: 'password', message: 'must be a string' }]);
  const passwordHash =
    input.password === null
      ? null
      : await hashNewPassword(
          input.password,
          { username: userName, ...(input.confirmation !== undefined ? { confirmation: input.confirmation } : {}) },
          policy,
        );
  await store.transaction(async (tx) => {
    const updated = await updateUser(tx, input.userId, { passwordHash });
    await clearLoginFailures(tx, [throttleKeys(userName, null).account]);
    const action = passwordHash ? 'user.password_set' : 'user.password_remove';
    await recordAudit(tx, {
      actorType: input.actor.type,
      actorId: input.actor.id,
      action,
      targetType: 'user',
      targetId: updated.id,
      outcome: 'success',
    });
    // The event says a credential changed; the hash itself never leaves the store.
    await emitOutboxEvent(tx, {
      resourceType: 'User',
      resourceId: updated.id,
      userStoreId: updated.userStoreId,
      eventType: 'update',
      payload: { reason: passwordHash ? 'password_set' : 'password_removed' },
      resourceVersion: updated.version,
    });
  });
}
