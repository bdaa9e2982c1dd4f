// Outcomes of finished upstream logins. The federation edge writes one when the callback completes; whoever
// started the login (the OpenID Provider's interaction, or a test) reads it exactly once.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { asDate, fastCommit, hotRows, type Executor } from './database.js';
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

// Every login writes one result and consumes it: constant texts through hotRows (prepared per connection on PostgreSQL).
const INSERT = `insert into login_results (id, flow_id, idp_id, subject, user_id, outcome, error_code, error_message, claims,
    authn_context, context, expires_at)
  values ($1::text, $2::text, $3::uuid, $4::text, $5::uuid, $6::text, $7::text, $8::text, $9::jsonb, $10::jsonb, $11::jsonb,
    now() + make_interval(secs => $12::float8))`;

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

export async function saveLoginResult(executor: Executor, result: NewLoginResult): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  // Login state (fastCommit, database.ts): lost in a database crash, the person signs in again.
  await hotRows(fastCommit(executor), INSERT, [
    id,
    result.flowId,
    result.idpId,
    result.subject,
    result.userId,
    result.outcome,
    result.errorCode ?? null,
    result.errorMessage ?? null,
    json(result.claims),
    json(result.authnContext),
    json(result.context),
    result.ttlSeconds ?? 600,
  ]);
  return id;
}

const CONSUME = `update login_results set consumed_at = now()
  where id = $1::text and consumed_at is null and expires_at > now()
  returning id, flow_id, idp_id, subject, user_id, outcome, error_code, error_message, claims, authn_context, context,
    created_at, expires_at, consumed_at`;

/** Reads and marks consumed in one statement: a second read of the same result finds nothing. */
export async function consumeLoginResult(executor: Executor, id: string): Promise<LoginResultRow | undefined> {
  const [row] = await hotRows<Record<string, unknown>>(executor, CONSUME, [id]);
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
