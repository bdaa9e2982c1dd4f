// Queries of the upstream liveness check: which IdPs have it on, and which of their JIT users have not been
// seen from them since a cutoff ("seen" = the link's last login, else when the link or the user was made).
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from './database.js';

export interface LivenessIdp {
  id: string;
  name: string;
  inactiveAfterDays: number;
}

/** IdPs whose `options.inactiveAfterDays` is a positive number. */
export async function listIdpsWithLiveness(executor: Executor): Promise<LivenessIdp[]> {
  return queryRows<LivenessIdp & Record<string, unknown>>(
    executor,
    sql`select id, name, (options->>'inactiveAfterDays')::float8 as "inactiveAfterDays"
        from identity_providers
        where jsonb_typeof(options->'inactiveAfterDays') = 'number' and (options->>'inactiveAfterDays')::float8 > 0
        order by id`,
  );
}

export async function findLivenessIdp(executor: Executor, idpId: string): Promise<LivenessIdp | undefined> {
  const [row] = await queryRows<LivenessIdp & Record<string, unknown>>(
    executor,
    sql`select id, name, (options->>'inactiveAfterDays')::float8 as "inactiveAfterDays"
        from identity_providers
        where id = ${idpId} and jsonb_typeof(options->'inactiveAfterDays') = 'number' and (options->>'inactiveAfterDays')::float8 > 0`,
  );
  return row;
}

export interface StaleUser {
  id: string;
  lastSeenAt: Date;
}

/**
 * Active users JIT-provisioned by this IdP and not seen from it since `cutoff`, locked for the caller's
 * transaction (SKIP LOCKED: a user another worker is handling is left to it).
 */
export async function lockStaleJitUsers(executor: Executor, idpId: string, cutoff: Date, limit: number): Promise<StaleUser[]> {
  const found = await queryRows<{ id: string; last_seen_at: Date | string }>(
    executor,
    sql`select u.id, seen.at as last_seen_at
        from users u
        cross join lateral (
          select coalesce(max(coalesce(fi.last_login_at, fi.created_at)), u.created_at) as at
          from federated_identities fi where fi.user_id = u.id and fi.idp_id = ${idpId}) seen
        where u.jit_idp_id = ${idpId} and u.active and seen.at < ${cutoff.toISOString()}::timestamptz
        order by u.id
        limit ${limit}
        for update of u skip locked`,
  );
  return found.map((r) => ({ id: r.id, lastSeenAt: new Date(r.last_seen_at) }));
}

/** Whether any job (whatever its state) was ever enqueued with this key: a day's check runs once. */
export async function jobWithKeyExists(executor: Executor, queue: string, dedupeKey: string): Promise<boolean> {
  const found = await queryRows<{ one: number }>(
    executor,
    sql`select 1 as one from jobs where queue = ${queue} and dedupe_key = ${dedupeKey} limit 1`,
  );
  return found.length > 0;
}
