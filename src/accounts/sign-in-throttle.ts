// The LOCAL sign-in throttle: which keys an attempt counts on, and their rules. Failures count on the account
// from one client address (the strict rule: one attacker's failures make only that attacker wait, so the owner
// signs in from elsewhere), on the client address across every name (guessing many accounts from one place),
// and on the account from anywhere (a ceiling that slows distributed guessing, but waits a minute at most, and
// not for an address the account signed in from lately). Attempts are reserved before the password is hashed.
import { type ScimUserResource, splitQualifiedName } from '../domain/index.js';
import {
  type Actor,
  getUserById,
  recordAudit,
  clearAccountThrottle,
  clearLoginFailures,
  findAccountThrottle,
  keyWasSeenSince,
  latestWaitEnd,
  releaseLoginAttempt,
  reserveLoginAttempt,
  touchLoginKey,
  type Executor,
  type Store,
  type ThrottleRule,
  type ThrottleState,
} from '../store/index.js';

export interface ThrottleRules {
  /** Failures on one account from one client address. */
  accountFromAddress: ThrottleRule;
  /** Failures from one client address, on any name. */
  address: ThrottleRule;
  /** Failures on one account from every address: the ceiling. */
  account: ThrottleRule;
}

/** The operator's settings (SIGN_IN_* variables); the other rules derive from them. */
export interface SignInThrottleSettings {
  failuresBeforeWait: number;
  waitIncrementSeconds: number;
  maxWaitSeconds: number;
  failureResetSeconds: number;
  accountCeiling: number;
}

export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottleSettings = {
  failuresBeforeWait: 5,
  waitIncrementSeconds: 60,
  maxWaitSeconds: 15 * 60,
  failureResetSeconds: 12 * 60 * 60,
  accountCeiling: 100,
};

/** The ceiling slows; it never makes the owner wait longer than this. */
const CEILING_MAX_WAIT_SECONDS = 60;
/** An address with a successful sign-in this recent is not held back by the account's ceiling. */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * 60 * 60;

export function throttleRules(settings: SignInThrottleSettings = DEFAULT_SIGN_IN_THROTTLE): ThrottleRules {
  const base = {
    waitIncrementSeconds: settings.waitIncrementSeconds,
    maxWaitSeconds: settings.maxWaitSeconds,
    failureResetSeconds: settings.failureResetSeconds,
  };
  return {
    accountFromAddress: { ...base, freeFailures: settings.failuresBeforeWait },
    address: { ...base, freeFailures: settings.failuresBeforeWait * 4 },
    account: {
      ...base,
      freeFailures: settings.accountCeiling,
      waitIncrementSeconds: Math.min(settings.waitIncrementSeconds, CEILING_MAX_WAIT_SECONDS),
      maxWaitSeconds: Math.min(settings.maxWaitSeconds, CEILING_MAX_WAIT_SECONDS),
    },
  };
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

const PAIR = 'pair';
const KNOWN = 'known';
const NO_ADDRESS = 'unknown';

export interface ThrottleKeys {
  /** The account by domain and lower-cased name (known or not). */
  account: string;
  /** The client address, when there is one. */
  address: string | null;
  /** The account from this address (`pair:<address>|<account>`). */
  accountFromAddress: string;
  /** Notes that the account signed in from this address. */
  known: string;
}

export function throttleKeys(username: string, clientAddress: string | null): ThrottleKeys {
  const { domain, name } = splitQualifiedName(username.trim());
  const account = `account:${domain}/${name.toLowerCase()}`;
  const bucket = clientAddress ? addressBucket(clientAddress) : NO_ADDRESS;
  return {
    account,
    address: clientAddress ? `address:${bucket}` : null,
    accountFromAddress: `${PAIR}:${bucket}|${account}`,
    known: `${KNOWN}:${bucket}|${account}`,
  };
}

class Waiting extends Error {}

/**
 * Counts this attempt on each of its keys in one transaction, before the password is checked: all or none.
 * Returns the seconds to wait when any key is waiting (and counts nothing then).
 */
export async function reserveSignInAttempt(
  store: Pick<Store, 'db' | 'transaction'>,
  keys: ThrottleKeys,
  rules: ThrottleRules,
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const ceilingApplies = !(await keyWasSeenSince(store.db, keys.known, KNOWN_ADDRESS_SECONDS));
  const counted: Array<[string, ThrottleRule]> = [[keys.accountFromAddress, rules.accountFromAddress]];
  if (keys.address) counted.push([keys.address, rules.address]);
  if (ceilingApplies) counted.push([keys.account, rules.account]);
  // One order for every attempt, so two transactions never wait on each other's rows.
  counted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  try {
    await store.transaction(async (tx) => {
      for (const [key, rule] of counted) if (!(await reserveLoginAttempt(tx, key, rule))) throw new Waiting();
    });
    return { ok: true };
  } catch (error) {
    if (!(error instanceof Waiting)) throw error;
    const until = await latestWaitEnd(
      store.db,
      counted.map(([key]) => key),
    );
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((until?.getTime() ?? Date.now()) - Date.now()) / 1000)) };
  }
}

/** After a right password: the account's counts start again, the address keeps its others, the address is known. */
export async function signInSucceeded(executor: Executor, keys: ThrottleKeys): Promise<void> {
  await clearLoginFailures(executor, [keys.account, keys.accountFromAddress]);
  if (keys.address) await releaseLoginAttempt(executor, keys.address);
  await touchLoginKey(executor, keys.known);
}

export interface AccountThrottleView {
  /** Failures on the account from every address, and its wait. */
  account: { failures: number; lastFailureAt: string; blockedUntil: string | null } | null;
  /** Failures from each address (IPv6 by /64), and its wait. */
  addresses: Array<{ address: string; failures: number; lastFailureAt: string; blockedUntil: string | null }>;
  /** Whether a sign-in is held back now (from some address, or everywhere). */
  waiting: boolean;
}

const view = (s: ThrottleState) => ({
  failures: s.failures,
  lastFailureAt: s.lastFailureAt.toISOString(),
  blockedUntil: s.blockedUntil?.toISOString() ?? null,
});

const userNameOf = async (executor: Executor, userId: string) =>
  ((await getUserById(executor, userId)).resource as ScimUserResource).userName;

/** What the throttle holds on a user's account, for the admin API (not found: `not_found`). */
export async function accountThrottle(executor: Executor, userId: string): Promise<AccountThrottleView> {
  const keys = throttleKeys(await userNameOf(executor, userId), null);
  const states = await findAccountThrottle(executor, keys.account, PAIR);
  const account = states.find((s) => s.key === keys.account);
  const addresses = states
    .filter((s) => s.key !== keys.account)
    .map((s) => ({ address: s.key.slice(PAIR.length + 1, s.key.indexOf('|')), ...view(s) }));
  return {
    account: account ? view(account) : null,
    addresses,
    waiting: states.some((s) => s.blockedUntil !== null),
  };
}

/** Forgets an account's failures from every address; returns how many counts were removed. */
export function clearAccountFailures(executor: Executor, userName: string): Promise<number> {
  return clearAccountThrottle(executor, throttleKeys(userName, null).account, PAIR);
}

/** An admin lifts every wait on a user's account (the addresses' own counts stay), audited. */
export async function unlockSignIn(store: Pick<Store, 'transaction'>, userId: string, actor: Actor): Promise<void> {
  await store.transaction(async (tx) => {
    const removed = await clearAccountFailures(tx, await userNameOf(tx, userId));
    await recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'user.sign_in_throttle_clear',
      targetType: 'user',
      targetId: userId,
      outcome: 'success',
      details: { cleared: removed },
    });
  });
}
