// Outcomes of finished upstream logins. The federation edge writes one when the callback completes; whoever
// started the login (the OpenID Provider's interaction, or a test) reads it exactly once.
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
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

export async function saveLoginResult(executor: Executor, result: NewLoginResult): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  await executor.insert(loginResults).values({
    id,
    flowId: result.flowId,
    idpId: result.idpId,
    subject: result.subject,
    userId: result.userId,
    outcome: result.outcome,
    errorCode: result.errorCode ?? null,
    errorMessage: result.errorMessage ?? null,
    claims: result.claims ?? null,
    authnContext: result.authnContext ?? null,
    context: result.context ?? null,
    expiresAt: sql`now() + make_interval(secs => ${result.ttlSeconds ?? 600})`,
  });
  return id;
}

/** Reads and marks consumed in one statement: a second read of the same result finds nothing. */
export async function consumeLoginResult(executor: Executor, id: string): Promise<LoginResultRow | undefined> {
  const [row] = await executor
    .update(loginResults)
    .set({ consumedAt: sql`now()` })
    .where(and(eq(loginResults.id, id), isNull(loginResults.consumedAt), gt(loginResults.expiresAt, sql`now()`)))
    .returning();
  return row;
}

/** Reads without consuming (tests and status pages). */
export async function peekLoginResult(executor: Executor, id: string): Promise<LoginResultRow | undefined> {
  const [row] = await executor.select().from(loginResults).where(eq(loginResults.id, id));
  return row;
}
