// Counts failed local sign-ins per key (an account or a client address) in the database, so every
// instance sees the same counts. A key with `limit` failures inside `windowSeconds` is blocked for
// `blockSeconds`; each further failure after a block, while the window lasts, blocks it again.
import { inArray, sql } from 'drizzle-orm';
import { rows, type Executor } from './database.js';
import { loginThrottle } from './schema/index.js';

export interface ThrottleRule {
  limit: number;
  windowSeconds: number;
  blockSeconds: number;
}

export interface ThrottleState {
  key: string;
  failures: number;
  /** Null when not blocked now. */
  blockedUntil: Date | null;
}

/** The keys among these that are blocked now, with when each block ends. */
export async function findBlockedKeys(executor: Executor, keys: string[]): Promise<ThrottleState[]> {
  if (keys.length === 0) return [];
  const found = await executor
    .select()
    .from(loginThrottle)
    .where(sql`${inArray(loginThrottle.key, keys)} and ${loginThrottle.blockedUntil} > now()`);
  return found.map((r) => ({ key: r.key, failures: r.failures, blockedUntil: r.blockedUntil }));
}

/** Counts one failure on a key in one statement (no read-modify-write race between instances). */
export async function recordLoginFailure(executor: Executor, key: string, rule: ThrottleRule): Promise<ThrottleState> {
  const window = sql`make_interval(secs => ${rule.windowSeconds})`;
  const block = sql`make_interval(secs => ${rule.blockSeconds})`;
  const expired = sql`login_throttle.window_started_at < now() - ${window}`;
  const next = sql`(case when ${expired} then 1 else login_throttle.failures + 1 end)`;
  const [row] = await rows<{ key: string; failures: number; blocked_until: Date | string | null }>(
    executor,
    sql`insert into login_throttle (key, failures, window_started_at, blocked_until, updated_at)
        values (${key}, 1, now(), case when 1 >= ${rule.limit} then now() + ${block} else null end, now())
        on conflict (key) do update set
          failures = ${next},
          window_started_at = case when ${expired} then now() else login_throttle.window_started_at end,
          blocked_until = case when ${next} >= ${rule.limit} then now() + ${block} else login_throttle.blocked_until end,
          updated_at = now()
        returning key, failures, blocked_until`,
  );
  const blockedUntil = row?.blocked_until ? new Date(row.blocked_until) : null;
  return {
    key,
    failures: Number(row?.failures ?? 1),
    blockedUntil: blockedUntil && blockedUntil.getTime() > Date.now() ? blockedUntil : null,
  };
}

/** Forgets a key's failures (after a successful sign-in, or an admin setting a new password). */
export async function clearLoginFailures(executor: Executor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await executor.delete(loginThrottle).where(inArray(loginThrottle.key, keys));
}

/** Removes keys idle for a day and not blocked (idempotent; any instance may run it). */
export async function sweepLoginThrottle(executor: Executor): Promise<void> {
  await executor.execute(
    sql`delete from login_throttle where updated_at < now() - interval '1 day' and (blocked_until is null or blocked_until < now())`,
  );
}
