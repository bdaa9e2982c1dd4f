// Combined reads of the provisioning hot path in one statement: the server settings, the (IdP, subject) link with
// its user and — for a first login — the target user store with its user of the wanted name. drizzle's `sql` with a
// constant text and only the columns planning uses, compiled once (`compiledOnce`) and prepared on PostgreSQL
// (`queryRows`, `prepare`): this runs on every login, and both the query builder's per-call cost and PostgreSQL's
// parsing and planning of a five-way join showed in the benchmark. The same read also comes with the writes of a
// returning login that provably changes nothing (`recordUnchangedOrReadContext`).
import { sql } from 'drizzle-orm';
import type { Provenance, ScimUserResource, UserStore } from '../domain/index.js';
import { asDate, compiledOnce, queryRows, type Executor } from './database.js';

/** The columns of a user that provisioning decisions read. */
export interface LoginUser {
  id: string;
  userStoreId: string;
  userName: string;
  resource: unknown;
  provenance: unknown;
  version: number;
  locked: boolean;
  /** Whether the user has consent receipts (undefined: not read). Without any, stored consent changes nothing. */
  hasConsentReceipts?: boolean;
}

export interface LoginLink {
  id: string;
  subject: string;
  userId: string;
  locked: boolean;
}

export interface LoginContextRow {
  /**
   * The settings document as JSON text (undefined when the row is missing: defaults apply). Text, so that a caller
   * can tell an unchanged document by comparing strings instead of parsing it on every login.
   */
  settingsText: string | undefined;
  link: LoginLink | null;
  user: LoginUser | null;
  /** Present when a target was asked for. */
  target?: { store: UserStore | undefined; user: LoginUser | undefined };
}

type Raw = Record<string, unknown>;

const toUser = (r: Raw, p: string): LoginUser | null =>
  r[`${p}id`] == null
    ? null
    : {
        id: r[`${p}id`] as string,
        userStoreId: r[`${p}store`] as string,
        userName: r[`${p}name`] as string,
        resource: r[`${p}resource`] as ScimUserResource,
        provenance: (r[`${p}provenance`] ?? {}) as Provenance,
        version: Number(r[`${p}version`]),
        locked: r[`${p}locked`] === true,
        ...(r[`${p}receipts`] != null ? { hasConsentReceipts: r[`${p}receipts`] === true } : {}),
      };

const CONTEXT_COLUMNS = `s.document::text as settings,
    f.id as f_id, f.subject as f_subject, f.user_id as f_user, f.locked as f_locked,
    u.id as u_id, u.user_store_id as u_store, u.user_name as u_name, u.resource as u_resource,
    u.provenance as u_provenance, u.version as u_version, u.locked as u_locked, u.active as u_active,
    exists (select 1 from consent_receipts c where c.user_id = u.id) as u_receipts,
    f.sync_fingerprint as f_fingerprint, f.sync_version as f_sync_version,
    ts.id as ts_id, ts.domain as ts_domain, ts.description as ts_description, ts.username_regex as ts_username_regex,
    ts.rolename_regex as ts_rolename_regex, ts.created_at as ts_created_at, ts.updated_at as ts_updated_at,
    tu.id as tu_id, tu.user_store_id as tu_store, tu.user_name as tu_name, tu.resource as tu_resource,
    tu.provenance as tu_provenance, tu.version as tu_version, tu.locked as tu_locked`;

/** What the context is read for: the link's (IdP, subject) and, for a first login, the target store and name. */
type ContextKey = { idpId: string; subject: string; target: { domain: string; userName: string } | undefined };

const p = (name: string) => sql.placeholder(name);
const contextFrom = sql`from (select 1) as one
  left join server_settings s on s.id = 1
  left join federated_identities f on f.idp_id = ${p('idpId')}::uuid and f.subject = ${p('subject')}::text
  left join users u on u.id = f.user_id
  left join user_stores ts on upper(ts.domain) = upper(${p('domain')}::text)
  left join users tu on tu.user_store_id = ts.id and lower(tu.user_name) = lower(${p('userName')}::text)`;

/** The statements' placeholder values (the spread last: see provisioning/plan.ts). */
const valuesOf = ({ idpId, subject, target }: ContextKey, login?: UnchangedLogin) => ({
  idpId,
  subject,
  domain: target?.domain ?? null,
  userName: target?.userName ?? null,
  ...login,
});

const loginContextQuery = compiledOnce(sql`select ${sql.raw(CONTEXT_COLUMNS)} ${contextFrom}`);

/**
 * Settings, the link and its user, and (when `target` is given) the store of that domain with its user of that
 * name. A missing settings row (a database not bootstrapped by ensureDefaults) still answers the link.
 */
export async function findLoginContext(
  executor: Executor,
  idpId: string,
  subject: string,
  target?: { domain: string; userName: string },
): Promise<LoginContextRow> {
  const [row] = await queryRows<Raw>(executor, loginContextQuery(valuesOf({ idpId, subject, target })), { prepare: true });
  return loginContextOf(row ?? {}, target);
}

/** The login context in one row of CONTEXT_COLUMNS. */
function loginContextOf(row: Raw, target: { domain: string; userName: string } | undefined): LoginContextRow {
  const link: LoginLink | null =
    row.f_id == null
      ? null
      : { id: row.f_id as string, subject: row.f_subject as string, userId: row.f_user as string, locked: row.f_locked === true };
  const result: LoginContextRow = { settingsText: (row.settings as string | null) ?? undefined, link, user: toUser(row, 'u_') };
  if (target) {
    const store: UserStore | undefined =
      row.ts_id == null
        ? undefined
        : {
            id: row.ts_id as string,
            domain: row.ts_domain as string,
            description: (row.ts_description as string) ?? '',
            usernameRegex: (row.ts_username_regex as string | null) ?? null,
            rolenameRegex: (row.ts_rolename_regex as string | null) ?? null,
            createdAt: asDate(row.ts_created_at),
            updatedAt: asDate(row.ts_updated_at),
          };
    result.target = { store, user: toUser(row, 'tu_') ?? undefined };
  }
  return result;
}

/** What a returning login that changes nothing writes, and how the one-statement path recognises it. */
export interface UnchangedLogin {
  /** The fingerprint of this login: its mapped attributes, the policy's fields and the rules' code (sync-fingerprint.ts). */
  fingerprint: string;
  /** The settings text the sync method was derived from: the login matches only while the settings are still it. */
  settingsText: string;
  lastClaimsJson: string;
  /** The audit event: actor (the IdP), reason around the user id, details. */
  actorId: string;
  reasonBefore: string;
  reasonAfter: string;
  detailsJson: string;
}

/** The heavy columns of CONTEXT_COLUMNS (the user documents): left out when the login was recorded. */
const HEAVY = new Set(['u_resource', 'u_provenance', 'tu_resource', 'tu_provenance']);
const ALIASES = [...CONTEXT_COLUMNS.matchAll(/ as (\w+)/g)].map((m) => m[1]!);
/** The context's columns as the one-statement path answers them: the heavy ones only when nothing was recorded. */
const UNCHANGED_COLUMNS = ALIASES.map((a) =>
  HEAVY.has(a) ? `case when hit.recorded then null else ctx.${a} end as ${a}` : `ctx.${a}`,
).join(', ');

// The context read, and in the same statement — when the link's fingerprint is this login's, the user is still at
// the version it was verified at, nothing is locked, the user is active and has no consent receipts, and the
// settings are those the sync method came from — the link touch and the audit event of a login that changes
// nothing (so a recorded login's user is known to be one that may sign in). The conditions on the
// link are checked on the row being updated (re-checked after a concurrent update of it).
const loginContextOrUnchanged = compiledOnce(sql`with ctx as (select ${sql.raw(CONTEXT_COLUMNS)} ${contextFrom}),
  touched as (
    update federated_identities f set last_login_at = now(), last_claims = ${p('lastClaimsJson')}::jsonb, updated_at = now()
    from ctx
    where f.id = ctx.f_id and f.sync_fingerprint = ${p('fingerprint')}::text and f.sync_version = ctx.u_version and not f.locked
      and not ctx.u_locked and ctx.u_active and not ctx.u_receipts and ctx.settings = ${p('settingsText')}::text
    returning f.user_id),
  a as (
    insert into audit_events (actor_type, actor_id, action, target_type, target_id, outcome, reason, details)
    select 'idp', ${p('actorId')}::text, 'jit.user.sync', 'user', touched.user_id::text, 'success',
      ${p('reasonBefore')}::text || touched.user_id::text || ${p('reasonAfter')}::text, ${p('detailsJson')}::jsonb
    from touched),
  hit as (select count(*) > 0 as recorded from touched)
  select hit.recorded, ${sql.raw(UNCHANGED_COLUMNS)}
  from ctx, hit`);

/**
 * A returning login recorded in one statement when it provably changes nothing (`recorded`: its user id, which was
 * active and unlocked), else the login context, read in that same statement, for planning.
 */
export async function recordUnchangedOrReadContext(
  executor: Executor,
  idpId: string,
  subject: string,
  target: { domain: string; userName: string } | undefined,
  login: UnchangedLogin,
): Promise<{ recorded: string } | { context: LoginContextRow }> {
  const query = loginContextOrUnchanged(valuesOf({ idpId, subject, target }, login));
  const [row] = await queryRows<Raw>(executor, query, { prepare: true });
  if (row?.recorded === true) return { recorded: row.f_user as string };
  return { context: loginContextOf(row ?? {}, target) };
}

/** The store with this domain (case-insensitive) and, if any, its user with this userName (case-insensitive). */
export async function findStoreWithUser(
  executor: Executor,
  domain: string,
  userName: string,
): Promise<{ store: UserStore | undefined; user: LoginUser | undefined }> {
  const context = await findLoginContext(executor, '00000000-0000-0000-0000-000000000000', '', { domain, userName });
  return context.target ?? { store: undefined, user: undefined };
}
