// A change committed on its own rather than inside a caller's transaction: a login's plan, a SCIM create, replace
// or patch. A "simple" change — a user insert or update, a link insert or touch, and events that name no group —
// is written as ONE data-modifying statement: a single statement is atomic, so it needs no BEGIN/COMMIT round
// trips; its text depends only on the shape of the change, so it is compiled once here and PostgreSQL keeps it
// prepared per connection.
// Everything else (group memberships, a delete, events that cannot be known before the write) goes through
// `writeChange` in a transaction opened here. test/integration/user-changes-fast-path.test.ts proves both paths
// write the same rows and throw the same errors.
//
// Inside a transaction a raised error aborts it, so `writeChange` writes with ON CONFLICT and checks row counts.
// The statement instead lets a unique violation raise — outside a transaction a failed statement leaves nothing
// behind — and the constraint it names says which error the plain path would have thrown. Every other part of the
// statement selects from the user write, so an update that matches no row (its version moved, the user is gone)
// writes nothing; only then does a follow-up read tell a 412 from a 404.
//
// Events computed from the written row (SCIM's: the resource with its version and meta) are computed before the
// statement from the row it will write: a pre-generated id, version 1 or expectedVersion + 1, and the row's
// created_at/updated_at taken from this process's clock instead of the database's now(), so that the events show
// exactly the row written. An update's row is predictable only from the row it starts from (`before`, at
// `expectedVersion`); without it such a change takes the plain path.
import { randomUUID } from 'node:crypto';
import { getTableColumns, is, Placeholder, sql, type SQL } from 'drizzle-orm';
import { PgDialect, PgTransaction, type PgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type CompiledQuery, type Db, type Executor } from './database.js';
import { users, type UserRow } from './schema/index.js';
import { staleChange, writeChange, type Change, type ChangeAudit, type ChangeOutbox } from './user-changes.js';
import { updateMissed, userDataSet, userInsertValues, userNameTaken } from './users-repo.js';

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/** The events of a change, computed from the row the write will leave (function events) or as given. */
function eventsOf(change: Change, row: UserRow | undefined) {
  return {
    audit: typeof change.audit === 'function' ? change.audit(row) : change.audit,
    outbox: typeof change.outbox === 'function' ? change.outbox(row) : change.outbox,
  };
}

const computesEvents = (change: Change) => typeof change.audit === 'function' || typeof change.outbox === 'function';

/** Events the statement can write as they are: none needs a group this change creates or joins. */
const plainEvents = (audit: readonly ChangeAudit[], outbox: readonly ChangeOutbox[]) =>
  audit.every((a) => a.group === undefined) && outbox.every((o) => o.group === undefined && o.resourceId !== null);

const userColumns = getTableColumns(users) as Record<string, PgColumn>;
const returningUser = sql.raw(
  Object.values(userColumns)
    .map((c) => `"${c.name}"`)
    .join(', '),
);

/** drizzle's `sql` template, or a stand-in that builds nothing (see Binder). */
interface Tag {
  (strings: TemplateStringsArray, ...params: unknown[]): SQL;
  join(chunks: SQL[], separator: SQL): SQL;
  raw(text: string): SQL;
}
const building: Tag = Object.assign((strings: TemplateStringsArray, ...params: unknown[]) => sql(strings, ...params), {
  join: (chunks: SQL[], separator: SQL) => sql.join(chunks, separator),
  raw: (text: string) => sql.raw(text),
});
const NOTHING = sql``;
const skipping: Tag = Object.assign(() => NOTHING, { join: () => NOTHING, raw: () => NOTHING });

/**
 * The statement's text depends only on the change's shape (which parts, which columns, how many events), so it is
 * compiled once per shape and only its values are collected per call. The one function below writes the text and
 * binds the values: with drizzle's `sql` when the shape's text is new, else with a stand-in that builds nothing,
 * since building drizzle's SQL objects and compiling them cost more CPU than the rest of a login's write. Values
 * are collected in the order they are bound; a placeholder named by that position ties each to its place in the text.
 */
class Binder {
  readonly values: unknown[] = [];
  constructor(readonly q: Tag) {}
  bind(value: unknown, type: string): SQL {
    const position = this.values.push(value) - 1;
    return this.q === skipping ? NOTHING : sql`${sql.placeholder(String(position))}::${sql.raw(type)}`;
  }
  /** A users column's value, encoded as drizzle's builder encodes it (jsonb, text[], timestamps). */
  column(key: string, value: unknown): SQL {
    const column = userColumns[key]!;
    return this.bind(value == null ? null : column.mapToDriverValue(value), column.getSQLType());
  }
}

/** A shape's compiled text, and for each of its `$n` parameters the position of the bound value it takes. */
interface CompiledShape {
  sql: string;
  positions: number[];
}

interface Statement {
  query: CompiledQuery;
  /** The user write, when there is one: what a zero-row or unique-violation result means. */
  user?: { id: string; expectedVersion: number | undefined; userName: string | undefined };
}

type UserPart =
  | { kind: 'insert'; id: string; values: Record<string, unknown> }
  | { kind: 'update'; id: string; expectedVersion: number | undefined; columns: Record<string, unknown> };

const dialect = new PgDialect();
/** Compiled texts by shape; a bound keeps an unusual stream of shapes (many events) from growing it. */
const compiled = new Map<string, CompiledShape>();
const MAX_SHAPES = 256;

/** Which bound value a compiled parameter takes: every value in the text goes through `Binder.bind`. */
function positionOf(param: unknown): number {
  if (!is(param, Placeholder)) throw new Error('a value in the one-statement change was not bound through its Binder');
  return Number(param.name);
}

/** The one statement of a simple change, or null when the change needs the plain path. */
function statementOf(change: Change, returnRow: boolean): Statement | null {
  const groups = change.groups;
  if (groups && (groups.create.length > 0 || groups.add.length > 0 || groups.remove.length > 0)) return null;
  const write = change.user;
  if (write && 'delete' in write) return null;
  const at = computesEvents(change) ? new Date() : undefined;

  let part: UserPart | undefined;
  let user: Statement['user'];
  let row: UserRow | undefined;
  if (write && 'insert' in write) {
    const id = write.insert.id ?? randomUUID();
    const values: Record<string, unknown> = userInsertValues({ ...write.insert, id });
    if (at) Object.assign(values, { createdAt: at, updatedAt: at });
    part = { kind: 'insert', id, values };
    user = { id, expectedVersion: undefined, userName: write.insert.resource.userName };
    if (at) row = { locked: false, lockedReason: null, ...values, version: 1 } as unknown as UserRow;
  } else if (write && 'update' in write) {
    const { id, changes, expectedVersion, before } = write.update;
    if (at && (!before || expectedVersion === undefined || before.version !== expectedVersion || before.id !== id)) return null;
    const columns = userDataSet(changes);
    part = { kind: 'update', id, expectedVersion, columns };
    user = { id, expectedVersion, userName: changes.resource?.userName ?? changes.userName };
    if (at && before && expectedVersion !== undefined)
      row = { ...before, ...columns, version: expectedVersion + 1, updatedAt: at } as UserRow;
  }
  const { audit, outbox } = eventsOf(change, row);
  if (!plainEvents(audit, outbox)) return null;
  const link = change.link;

  // Everything the text depends on.
  const shape = [
    part?.kind === 'insert' ? `insert:${Object.keys(part.values).join(',')}` : '',
    part?.kind === 'update'
      ? `update:${Object.keys(part.columns).join(',')}:${at ? 'at' : 'now'}:${part.expectedVersion === undefined ? 'any' : 'version'}`
      : '',
    link ? ('insert' in link ? 'link' : 'touch') : '',
    `a${audit.length}`,
    `o${outbox.length}`,
    returnRow ? 'row' : 'done',
  ].join('|');
  const known = compiled.get(shape);
  const q = known ? skipping : building;
  const b = new Binder(q);

  // The row comes back only for a caller that needs it: its documents cost both sides their encoding.
  const returning = returnRow ? returningUser : q.raw('id');
  let userSql: SQL | undefined;
  if (part?.kind === 'insert') {
    const keys = Object.keys(part.values);
    userSql = q`insert into users (${q.raw(keys.map((k) => `"${userColumns[k]!.name}"`).join(', '))})
      values (${q.join(
        keys.map((k) => b.column(k, part.values[k])),
        q`, `,
      )}) returning ${returning}`;
  } else if (part?.kind === 'update') {
    const keys = Object.keys(part.columns);
    const set = [
      q`version = version + 1`,
      q`updated_at = ${at ? b.column('updatedAt', at) : q`now()`}`,
      ...keys.map((k) => q`${q.raw(`"${userColumns[k]!.name}"`)} = ${b.column(k, part.columns[k])}`),
    ];
    const version = part.expectedVersion === undefined ? q`` : q` and version = ${b.bind(part.expectedVersion, 'int')}`;
    userSql = q`update users set ${q.join(set, q`, `)} where id = ${b.bind(part.id, 'uuid')}${version} returning ${returning}`;
  }

  const parts: SQL[] = [];
  if (userSql) parts.push(q`u as (${userSql})`);
  // Each other part writes only if the user write did (a single row: `from u` repeats nothing).
  const fromUser = part ? q` from u` : q``;
  const whenUser = part ? q` where exists (select 1 from u)` : q``;
  if (link) {
    const fingerprint = b.bind(link.sync?.fingerprint ?? null, 'text');
    const version = b.bind(link.sync?.version ?? null, 'int');
    if ('insert' in link) {
      const { idpId, subject, userId, lastClaims } = link.insert;
      parts.push(q`l as (insert into federated_identities
          (idp_id, subject, user_id, last_claims, last_login_at, sync_fingerprint, sync_version)
        select ${b.bind(idpId, 'uuid')}, ${b.bind(subject, 'text')}, ${b.bind(userId, 'uuid')}, ${b.bind(json(lastClaims), 'jsonb')},
          now(), ${fingerprint}, ${version}${fromUser})`);
    } else {
      parts.push(q`t as (update federated_identities set last_login_at = now(), last_claims = ${b.bind(json(link.touch.lastClaims), 'jsonb')},
          updated_at = now(), sync_fingerprint = ${fingerprint}, sync_version = ${version}${fromUser}
        where federated_identities.id = ${b.bind(link.touch.id, 'uuid')})`);
    }
  }
  // One insert per table from a VALUES list, so the events get their ids in the order given (as the plain path).
  if (audit.length > 0) {
    const values = audit.map(
      (a) =>
        q`(${b.bind(a.actorType, 'text')}, ${b.bind(a.actorId ?? null, 'text')}, ${b.bind(a.action, 'text')},
          ${b.bind(a.targetType ?? null, 'text')}, ${b.bind(a.targetId ?? null, 'text')}, ${b.bind(a.outcome, 'text')},
          ${b.bind(a.reason ?? null, 'text')}, ${b.bind(json(a.details), 'jsonb')})`,
    );
    parts.push(q`a as (insert into audit_events
        (actor_type, actor_id, action, target_type, target_id, outcome, reason, details)
      select * from (values ${q.join(values, q`, `)}) as v${whenUser})`);
  }
  if (outbox.length > 0) {
    const values = outbox.map(
      (o) =>
        q`(${b.bind(o.resourceType, 'text')}, ${b.bind(o.resourceId, 'uuid')}, ${b.bind(o.userStoreId, 'uuid')},
          ${b.bind(o.eventType, 'text')}, ${b.bind(json(o.payload), 'jsonb')}, ${b.bind(o.resourceVersion ?? null, 'int')})`,
    );
    parts.push(q`o as (insert into outbox_events
        (resource_type, resource_id, user_store_id, event_type, payload, resource_version)
      select * from (values ${q.join(values, q`, `)}) as v${whenUser})`);
  }

  let text = known;
  if (!text) {
    const query =
      parts.length === 0
        ? sql`select 1 as nothing`
        : // Data-modifying parts run exactly once whether or not the final select reads them.
          sql`with ${sql.join(parts, sql`, `)} select ${userSql && returnRow ? sql`*` : sql`1 as done`}${fromUser}`;
    const { sql: body, params } = dialect.sqlToQuery(query);
    text = { sql: body, positions: params.map(positionOf) };
    if (compiled.size < MAX_SHAPES) compiled.set(shape, text);
  }
  const params = text.positions.map((position) => b.values[position]);
  return { query: { sql: text.sql, params }, ...(user ? { user } : {}) };
}

/** The constraint a database error names (postgres.js: constraint_name; PGlite: constraint), through drizzle's causes. */
function constraintOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const found =
      (current as { constraint_name?: unknown; constraint?: unknown }).constraint_name ?? (current as { constraint?: unknown }).constraint;
    if (typeof found === 'string') return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A raw `users` row (snake_case, the driver's values) as drizzle's builder returns it. */
const userRowOf = (raw: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(userColumns).map(([key, column]) => [
      key,
      raw[column.name] == null ? null : column.mapFromDriverValue(raw[column.name]),
    ]),
  ) as UserRow;

export interface CommitOptions {
  /** Whether the caller needs the written user row back (a SCIM response does; a login does not). Default true. */
  returnRow?: boolean;
}

/**
 * Writes one change and commits it: one statement when the change is simple (see above), else `writeChange` in a
 * transaction of its own. Returns the written user row, like `writeChange` (unless `returnRow: false`), and throws
 * the same errors. Given a transaction (a store bound to one), it takes the plain path in a savepoint.
 */
export async function commitChange(executor: Executor, change: Change, options: CommitOptions = {}): Promise<UserRow | undefined> {
  const returnRow = options.returnRow ?? true;
  const statement = executor instanceof PgTransaction ? null : statementOf(change, returnRow);
  if (!statement) return (executor as Db).transaction((tx) => writeChange(tx, change));
  let found: Record<string, unknown>[];
  try {
    found = await queryRows(executor, statement.query, { prepare: true });
  } catch (error) {
    const constraint = constraintOf(error);
    if (constraint === 'federated_identities_idp_subject') throw staleChange('the identity was linked concurrently');
    if (statement.user && (constraint === 'users_store_username_unique' || constraint === 'users_pkey'))
      throw userNameTaken(statement.user.userName);
    throw error;
  }
  if (!statement.user) return undefined;
  const [raw] = found;
  if (!raw) throw await updateMissed(executor, statement.user.id, statement.user.expectedVersion);
  return returnRow ? userRowOf(raw) : undefined;
}
