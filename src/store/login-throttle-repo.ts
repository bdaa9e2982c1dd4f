// Counts failed local sign-ins per key (an account, an account from one client address, or a client address)
// in the database, so every instance sees the same counts. An attempt is reserved (counted) before the
// password is checked, in one statement per key that refuses while the key waits: parallel attempts cannot all
// pass a check made before any of them was counted. Past `freeFailures`, each reservation makes the key wait
// `waitIncrementSeconds` times the failures over the limit, at most `maxWaitSeconds` (Keycloak's brute-force
// detection model); a key untouched for `failureResetSeconds` starts again from zero.
import { inArray, type SQL, sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';
import { loginThrottle } from './schema/index.js';

export interface ThrottleRule {
  /** Failures allowed before a wait starts. */
  freeFailures: number;
  /** The wait after the first failure over the limit; each further failure adds as much again. */
  waitIncrementSeconds: number;
  maxWaitSeconds: number;
  /** Failures older than this (since the last one) are forgotten. */
  failureResetSeconds: number;
}

export interface ThrottleState {
  key: string;
  failures: number;
  /** When the last attempt was counted. */
  lastFailureAt: Date;
  /** Null when not waiting now. */
  blockedUntil: Date | null;
}

const asDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const waiting = (until: Date | null) => (until && until.getTime() > Date.now() ? until : null);

/**
 * Counts one attempt on a key unless the key is waiting: null when it is (nothing counted). The row is locked
 * by the statement, so of many parallel attempts exactly `freeFailures` pass before the wait begins.
 */
export async function reserveLoginAttempt(executor: Executor, key: string, rule: ThrottleRule): Promise<ThrottleState | null> {
  const reset = sql`make_interval(secs => ${rule.failureResetSeconds}::int)`;
  const next = sql`(case when login_throttle.window_started_at < now() - ${reset} then 1 else login_throttle.failures + 1 end)`;
  const waitFor = (failures: SQL) =>
    sql`(case when ${failures} >= ${rule.freeFailures}::int
          then now() + make_interval(secs => least(${rule.maxWaitSeconds}::int, ${rule.waitIncrementSeconds}::int * (${failures} - ${rule.freeFailures}::int + 1)))
          else null end)`;
  const [row] = await queryRows<{ failures: number; window_started_at: Date | string; blocked_until: Date | string | null }>(
    executor,
    sql`insert into login_throttle (key, failures, window_started_at, blocked_until, updated_at)
        values (${key}, 1, now(), ${waitFor(sql`1`)}, now())
        on conflict (key) do update set
          failures = ${next},
          window_started_at = now(),
          blocked_until = ${waitFor(next)},
          updated_at = now()
        where login_throttle.blocked_until is null or login_throttle.blocked_until <= now()
        returning failures, window_started_at, blocked_until`,
  );
  if (!row) return null;
  return {
    key,
    failures: Number(row.failures),
    lastFailureAt: new Date(row.window_started_at),
    blockedUntil: waiting(asDate(row.blocked_until)),
  };
}

/** The latest end of a wait among these keys, or null when none waits now. */
export async function latestWaitEnd(executor: Executor, keys: string[]): Promise<Date | null> {
  if (keys.length === 0) return null;
  const found = await executor
    .select()
    .from(loginThrottle)
    .where(sql`${inArray(loginThrottle.key, keys)} and ${loginThrottle.blockedUntil} > now()`);
  const ends = found.map((r) => r.blockedUntil!.getTime());
  return ends.length > 0 ? new Date(Math.max(...ends)) : null;
}

/** Gives back an attempt that turned out right (the key keeps its other failures and any wait it has). */
export async function releaseLoginAttempt(executor: Executor, key: string): Promise<void> {
  await executor.execute(sql`update login_throttle set failures = greatest(failures - 1, 0) where key = ${key}`);
}

/** Forgets these keys' failures. */
export async function clearLoginFailures(executor: Executor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await executor.delete(loginThrottle).where(inArray(loginThrottle.key, keys));
}

/**
 * Keys of one account: the account's own key and every `<kind>:<address>|<account key>` key (addresses hold no
 * `|`, so the first one ends the address whatever the account name holds).
 */
const ofAccount = (kind: string, accountKey: string) =>
  sql`(login_throttle.key = ${accountKey} or (left(login_throttle.key, ${kind.length + 1}::int) = ${`${kind}:`}
       and substr(login_throttle.key, strpos(login_throttle.key, '|') + 1) = ${accountKey}))`;

/** An account's throttle rows: the account-wide count and the count from each address. */
export async function findAccountThrottle(executor: Executor, accountKey: string, pairKind: string): Promise<ThrottleState[]> {
  const found = await queryRows<{ key: string; failures: number; window_started_at: Date | string; blocked_until: Date | string | null }>(
    executor,
    sql`select key, failures, window_started_at, blocked_until from login_throttle where ${ofAccount(pairKind, accountKey)} order by key`,
  );
  return found.map((r) => ({
    key: r.key,
    failures: Number(r.failures),
    lastFailureAt: new Date(r.window_started_at),
    blockedUntil: waiting(asDate(r.blocked_until)),
  }));
}

/** Forgets an account's failures, account-wide and from every address (a new password, an admin's unlock). */
export async function clearAccountThrottle(executor: Executor, accountKey: string, pairKind: string): Promise<number> {
  const deleted = await queryRows<{ key: string }>(
    executor,
    sql`delete from login_throttle where ${ofAccount(pairKind, accountKey)} returning key`,
  );
  return deleted.length;
}

/** Notes a key (an address a person signed in from) with no failures; `keyWasSeenSince` asks for it. */
export async function touchLoginKey(executor: Executor, key: string): Promise<void> {
  await executor.execute(
    sql`insert into login_throttle (key, failures, window_started_at, updated_at) values (${key}, 0, now(), now())
        on conflict (key) do update set updated_at = now()`,
  );
}

export async function keyWasSeenSince(executor: Executor, key: string, seconds: number): Promise<boolean> {
  const found = await queryRows<{ key: string }>(
    executor,
    sql`select key from login_throttle where key = ${key} and updated_at > now() - make_interval(secs => ${seconds}::int)`,
  );
  return found.length > 0;
}

/**
 * Removes keys idle for a day and not waiting, and notes of known addresses (`known:` keys) idle for 30 days
 * (idempotent; any instance may run it).
 */
export async function sweepLoginThrottle(executor: Executor): Promise<void> {
  await executor.execute(
    sql`delete from login_throttle where (blocked_until is null or blocked_until < now()) and (
          (left(key, 6) <> 'known:' and updated_at < now() - interval '1 day') or updated_at < now() - interval '30 days')`,
  );
}
