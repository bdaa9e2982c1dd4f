// Outcomes of finished upstream logins. The federation edge writes one when the callback completes; whoever
// started the login (the OpenID Provider's interaction, or a test) reads it exactly once.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { asDate, fastCommit, queryRows, type Executor } from './database.js';
import { loginResults } from './schema/index.js';

export type LoginResultRow = typeof loginResults.$inferSelect;

export interface NewLoginResult {
  flowId: string;
  idpId: string;
  subject: string | null;
  userId: string | null;
  outcome: 'success' | 'failure' | 'pending';
  errorCode?: string | null;
  errorMessage?: string | null;
  claims?: Record<string, unknown> | null;
  authnContext?: unknown;
  context?: unknown;
  /** Default 10 minutes. */
  ttlSeconds?: number;
}

// Every login writes one result and consumes it: drizzle's `sql` with constant texts, prepared (per connection on
// PostgreSQL).
const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

export async function saveLoginResult(executor: Executor, result: NewLoginResult): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  // Login state (fastCommit, database.ts): lost in a database crash, the person signs in again.
  const query = sql`insert into login_results (id, flow_id, idp_id, subject, user_id, outcome, error_code, error_message, claims,
    authn_context, context, expires_at)
  values (${id}::text, ${result.flowId}::text, ${result.idpId}::uuid, ${result.subject ?? null}::text, ${result.userId ?? null}::uuid,
    ${result.outcome}::text, ${result.errorCode ?? null}::text, ${result.errorMessage ?? null}::text, ${json(result.claims)}::jsonb,
    ${json(result.authnContext)}::jsonb, ${json(result.context)}::jsonb, now() + make_interval(secs => ${result.ttlSeconds ?? 600}::float8))`;
  await queryRows(fastCommit(executor), query, { prepare: true });
  return id;
}

/** Reads and marks consumed in one statement: a second read of the same result finds nothing. */
export async function consumeLoginResult(executor: Executor, id: string): Promise<LoginResultRow | undefined> {
  const query = sql`update login_results set consumed_at = now()
  where id = ${id}::text and consumed_at is null and expires_at > now()
  returning id, flow_id, idp_id, subject, user_id, outcome, error_code, error_message, claims, authn_context, context,
    created_at, expires_at, consumed_at`;
  const [row] = await queryRows<Record<string, unknown>>(executor, query, { prepare: true });
  if (!row) return undefined;
  return {
    id: row.id as string,
    flowId: row.flow_id as string,
    idpId: row.idp_id as string,
    subject: (row.subject as string | null) ?? null,
    userId: (row.user_id as string | null) ?? null,
    outcome: row.outcome as string,
    errorCode: (row.error_code as string | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
    claims: row.claims ?? null,
    authnContext: row.authn_context ?? null,
    context: row.context ?? null,
    createdAt: asDate(row.created_at),
    expiresAt: asDate(row.expires_at),
    consumedAt: row.consumed_at == null ? null : asDate(row.consumed_at),
  };
}

/** Reads without consuming (tests and status pages). */
export async function peekLoginResult(executor: Executor, id: string): Promise<LoginResultRow | undefined> {
  const [row] = await executor.select().from(loginResults).where(eq(loginResults.id, id));
  return row;
}
