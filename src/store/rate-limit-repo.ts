// Fixed-window rate limits kept in the database, so every instance counts the same window: one statement counts
// the request and answers whether it is over the limit (and for how long the window still runs).
import { fastCommit, hotRows, type Executor } from './database.js';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

// A window past its length starts again at one hit; otherwise the hit is counted in the running window.
const HIT = `insert into rate_limit_windows as w (key, window_started_at, hits) values ($1::text, now(), 1)
  on conflict (key) do update set
    hits = case when w.window_started_at <= now() - make_interval(secs => $2::float8) then 1 else w.hits + 1 end,
    window_started_at = case when w.window_started_at <= now() - make_interval(secs => $2::float8) then now() else w.window_started_at end
  returning hits, extract(epoch from (window_started_at + make_interval(secs => $2::float8) - now()))::float8 as remaining`;

/** Counts one request under `key` and says whether it is within the rule. */
export async function hitRateLimit(executor: Executor, key: string, rule: RateLimitRule): Promise<RateLimitVerdict> {
  // A hit lost in a database crash only lets one more request through: the fast-commit handle (database.ts).
  const [row] = await hotRows<{ hits: number; remaining: number }>(fastCommit(executor), HIT, [key, rule.windowSeconds]);
  if (!row || Number(row.hits) <= rule.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(row.remaining))) };
}

/** Windows that ended more than a day ago (the expired-state sweep). */
export const DELETE_OLD_RATE_LIMIT_WINDOWS = `delete from rate_limit_windows where window_started_at < now() - interval '1 day'`;
