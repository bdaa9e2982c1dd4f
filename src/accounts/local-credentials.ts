// Local passwords: setting one (policy-checked, scrypt-hashed, never logged) and checking a username +
// password for the LOCAL sign-in method. The check gives the same answer, after about the same work,
// whether or not the user exists (an unknown name is verified against a dummy hash), and each attempt is
// counted before the hash runs (sign-in-throttle.ts), in the database, so every instance enforces one limit.
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
  emitOutboxEvent,
  findUserStoreByDomain,
  findUserByUserName,
  getUserById,
  updateUser,
} from '../store/index.js';
import {
  clearAccountFailures,
  reserveSignInAttempt,
  signInSucceeded,
  throttleKeys,
  throttleRules,
  type ThrottleRules,
} from './sign-in-throttle.js';

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

/** Checks a username (`DOMAIN/name` or plain for PRIMARY) and password for the LOCAL sign-in method. */
export async function verifyLocalSignIn(
  store: Pick<Store, 'db' | 'transaction'>,
  input: { username: string; password: string; clientAddress: string | null },
  options: { rules?: ThrottleRules; policy?: PasswordPolicy } = {},
): Promise<LocalSignInResult> {
  const rules = options.rules ?? throttleRules();
  const policy = options.policy ?? DEFAULT_PASSWORD_POLICY;
  const username = (input.username ?? '').trim();
  const keys = throttleKeys(username, input.clientAddress);

  // Counted now, before the costly hash: parallel attempts cannot all pass a check made before any was counted.
  const reserved = await reserveSignInAttempt(store, keys, rules);
  if (!reserved.ok) {
    return {
      ok: false,
      code: 'too_many_attempts',
      message: 'Too many failed attempts. Try again later.',
      retryAfterSeconds: reserved.retryAfterSeconds,
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
    // The attempt is already counted. One audit row either way (no timing tell); the typed name is not kept
    // for unknown users, since people sometimes type their password into the username field.
    await recordAudit(store.db, {
      actorType: 'user',
      actorId: user?.id ?? null,
      action: 'local_login',
      targetType: 'user',
      targetId: user?.id ?? null,
      outcome: 'failure',
      reason: 'invalid_credentials',
      details: { clientAddress: input.clientAddress },
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
    await signInSucceeded(tx, keys);
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
 * transaction. A new password also forgets the account's failed sign-ins, from every address.
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
    await clearAccountFailures(tx, userName);
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
