// Sessions the app-facing SAML IdP opened at service providers (schema/saml-idp.ts), for Single Logout: which
// SPs a person's sign-in session reached, under which NameID and SessionIndex.
import { and, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from './database.js';
import { samlIdpSessions } from './schema/index.js';

export type SamlIdpSession = typeof samlIdpSessions.$inferSelect;
export type NewSamlIdpSession = Pick<
  SamlIdpSession,
  'sessionIndex' | 'applicationId' | 'nameId' | 'nameIdFormat' | 'accountId' | 'loginSessionId' | 'expiresAt'
>;

export async function insertSamlIdpSession(executor: Executor, session: NewSamlIdpSession): Promise<void> {
  await executor.insert(samlIdpSessions).values(session);
}

const live = () => and(isNull(samlIdpSessions.endedAt), gt(samlIdpSessions.expiresAt, sql`now()`));

/** The live sessions at one SP for a NameID (all of them, or those of the given SessionIndexes). */
export async function findSamlIdpSessions(
  executor: Executor,
  applicationId: string,
  nameId: string,
  sessionIndexes: string[],
): Promise<SamlIdpSession[]> {
  return executor
    .select()
    .from(samlIdpSessions)
    .where(
      and(
        eq(samlIdpSessions.applicationId, applicationId),
        eq(samlIdpSessions.nameId, nameId),
        sessionIndexes.length > 0 ? inArray(samlIdpSessions.sessionIndex, sessionIndexes) : sql`true`,
        live(),
      ),
    );
}

/** The other live SP sessions of one jitbridge sign-in session (where a logout must go next). */
export async function findSiblingSamlIdpSessions(
  executor: Executor,
  loginSessionId: string,
  exceptApplicationId: string | null,
): Promise<SamlIdpSession[]> {
  return executor
    .select()
    .from(samlIdpSessions)
    .where(
      and(
        eq(samlIdpSessions.loginSessionId, loginSessionId),
        exceptApplicationId ? ne(samlIdpSessions.applicationId, exceptApplicationId) : sql`true`,
        live(),
      ),
    );
}

/** Ends sessions; returns how many were still live. */
export async function endSamlIdpSessions(executor: Executor, sessionIndexes: string[]): Promise<number> {
  if (sessionIndexes.length === 0) return 0;
  const ended = await executor
    .update(samlIdpSessions)
    .set({ endedAt: sql`now()` })
    .where(and(inArray(samlIdpSessions.sessionIndex, sessionIndexes), isNull(samlIdpSessions.endedAt)))
    .returning({ sessionIndex: samlIdpSessions.sessionIndex });
  return ended.length;
}

/** One session by its SessionIndex, ended or not (a logout chain reads the sessions it already ended). */
export async function findSamlIdpSessionByIndex(executor: Executor, sessionIndex: string): Promise<SamlIdpSession | undefined> {
  const [row] = await executor.select().from(samlIdpSessions).where(eq(samlIdpSessions.sessionIndex, sessionIndex));
  return row;
}
