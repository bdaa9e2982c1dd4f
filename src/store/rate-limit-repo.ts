// Fixed-window rate limits kept in the database, so every instance counts the same window: one statement counts
// the request and answers whether it is over the limit (and for how long the window still runs).
import { sql } from 'drizzle-orm';
import { fastCommit, queryRows, type Executor } from './database.js';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one request under `key` and says whether it is within the rule. */
export async function hitRateLimit(executor: Executor, key: string, rule: RateLimitRule): Promise<RateLimitVerdict> {
  const window = sql`make_interval(secs => ${rule.windowSeconds}::float8)`;
  // A window past its length starts again at one hit; otherwise the hit is counted in the running window.
  // Prepared: it runs on every federation start.
  // A hit lost in a database crash only lets one more request through: the fast-commit handle (database.ts).
  const [row] = await queryRows<{ hits: number; remaining: number }>(
    fastCommit(executor),
    sql`insert into rate_limit_windows as w (key, window_started_at, hits) values (${key}::text, now(), 1)
      on conflict (key) do update set
        hits = case when w.window_started_at <= now() - ${window} then 1 else w.hits + 1 end,
        window_started_at = case when w.window_started_at <= now() - ${window} then now() else w.window_started_at end
      returning hits, extract(epoch from (window_started_at + ${window} - now()))::float8 as remaining`,
    { prepare: true },
  );
  if (!row || Number(row.hits) <= rule.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(row.remaining))) };
}

/** Deletes windows that ended more than a day ago (the expired-state sweep). */
export async function deleteOldRateLimitWindows(executor: Executor): Promise<void> {
  await executor.execute(sql`delete from rate_limit_windows where window_started_at < now() - interval '1 day'`);
}
