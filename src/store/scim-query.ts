// Compiles a resolved SCIM filter (RFC 7644 §3.4.2.2) into SQL over the users or groups table, and the sort
// key of a list (§3.4.2.3); scim-search.ts runs the searches. The SCIM edge parses and resolves the
// filter against the schemas; this module only knows where each attribute lives: an indexed column when
// there is one, else a JSONB expression over `resource`.
import { scimSql, type SqlText } from './scim-sql-text.js';
import { AppError, emailValueKey, isUuid } from '../domain/index.js';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;
export type ScimAttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';

/** An attribute resolved against its schema: canonical JSON path (relative to the resource or to an element). */
export interface ScimAttr {
  path: string[];
  type: ScimAttrType;
  caseExact: boolean;
  multiValued?: boolean;
}

export type ScimFilter =
  | { op: 'and' | 'or'; left: ScimFilter; right: ScimFilter }
  | { op: 'not'; expr: ScimFilter }
  | { op: CompareOp; attr: ScimAttr; value: FilterValue }
  | { op: 'pr'; attr: ScimAttr }
  /** Some element of the multi-valued attribute at `array` satisfies `filter` (paths relative to the element). */
  | { op: 'any'; array: string[]; filter: ScimFilter };

export type ResourceTable = 'users' | 'groups';

const invalidFilter = (message: string) => new AppError('invalid_input', 'invalidFilter', message);
/** A PostgreSQL text[] literal for a JSON path, every element quoted (names may hold ':' and '.'). */
const jsonPath = (path: string[]) => `{${path.map((p) => `"${p.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
const escapeLike = (value: string) => value.replace(/[\\%_]/g, '\\$&');

interface Operand {
  /** The value expression; text for strings. */
  expr: SqlText;
  type: ScimAttrType;
  caseExact: boolean;
  /** For the uuid columns: equality compares as uuid so the primary key index serves it. */
  uuid?: boolean;
  /** True when `expr` is already lower-cased (so lower() is not applied twice). */
  lowered?: boolean;
  /** A typed column (booleans and timestamps compare natively) rather than a JSONB expression. */
  column?: boolean;
}

/** Where a (top-level, singular) attribute of a row lives. */
function rowOperand(table: ResourceTable, alias: string, attr: ScimAttr): Operand {
  const key = attr.path.join('.').toLowerCase();
  const col = (name: string) => scimSql.raw(`${alias}.${name}`);
  const base = { type: attr.type, caseExact: attr.caseExact, column: true };
  switch (key) {
    case 'id':
      return { ...base, expr: col('id'), uuid: true };
    case 'externalid':
      return { ...base, expr: col('external_id') };
    case 'meta.created':
      return { ...base, expr: col('created_at'), type: 'dateTime' };
    case 'meta.lastmodified':
      return { ...base, expr: col('updated_at'), type: 'dateTime' };
    case 'meta.resourcetype':
      return { ...base, expr: scimSql`${table === 'users' ? 'User' : 'Group'}::text` };
    case 'meta.version':
      return { ...base, expr: scimSql`('W/"' || ${col('version')} || '"')` };
  }
  if (table === 'users') {
    switch (key) {
      case 'displayname':
        return { ...base, expr: col('display_name') };
      case 'name.givenname':
        return { ...base, expr: col('given_name') };
      case 'name.familyname':
        return { ...base, expr: col('family_name') };
      case 'active':
        return { ...base, expr: col('active') };
    }
  }
  if (attr.path[0] === 'meta') throw invalidFilter(`Attribute '${attr.path.join('.')}' cannot be filtered`);
  return jsonOperand(scimSql.raw(`${alias}.resource`), attr);
}

function jsonOperand(source: SqlText, attr: ScimAttr): Operand {
  const p = jsonPath(attr.path);
  const text = attr.path.length ? scimSql`(${source} #>> ${p}::text[])` : scimSql`(${source} #>> '{}')`;
  if (attr.type === 'boolean') return { expr: scimSql`(${source} #> ${p}::text[])`, type: 'boolean', caseExact: true };
  if (attr.type === 'decimal' || attr.type === 'integer') {
    const value = scimSql`(${source} #> ${p}::text[])`;
    return {
      expr: scimSql`(case when jsonb_typeof(${value}) = 'number' then (${value})::text::numeric end)`,
      type: attr.type,
      caseExact: true,
    };
  }
  return { expr: text, type: attr.type, caseExact: attr.caseExact };
}

/** A comparison of an operand with a literal. Null results mean "no match"; `not` coalesces them. */
function compare(operand: Operand, op: CompareOp, value: FilterValue): SqlText {
  const { expr, type } = operand;
  if (value === null) {
    if (op === 'eq') return scimSql`(${expr} is null)`;
    if (op === 'ne') return scimSql`(${expr} is not null)`;
    throw invalidFilter(`Operator '${op}' cannot compare with null`);
  }
  if (type === 'boolean') {
    const flag = typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value;
    if (typeof flag !== 'boolean') throw invalidFilter('A boolean attribute compares only with true or false');
    if (op !== 'eq' && op !== 'ne') throw invalidFilter(`Operator '${op}' is not defined for boolean attributes`);
    // JSON booleans compare as jsonb; the `active` column is a real boolean.
    const literal = operand.column ? scimSql`${flag}` : scimSql`${JSON.stringify(flag)}::jsonb`;
    return op === 'eq' ? scimSql`(${expr} = ${literal})` : scimSql`(${expr} is distinct from ${literal})`;
  }
  if (type === 'decimal' || type === 'integer') {
    if (typeof value !== 'number') throw invalidFilter('A numeric attribute compares only with a number');
    if (['co', 'sw', 'ew'].includes(op)) throw invalidFilter(`Operator '${op}' is not defined for numbers`);
    return ordered(expr, op, scimSql`${String(value)}::numeric`);
  }
  if (type === 'complex') throw invalidFilter('A complex attribute cannot be compared; name a sub-attribute');
  if (typeof value !== 'string') throw invalidFilter(`Attribute of type ${type} compares only with a string`);
  if (type === 'dateTime') {
    if (Number.isNaN(Date.parse(value))) throw invalidFilter(`'${value}' is not a dateTime`);
    if (['co', 'sw', 'ew'].includes(op)) throw invalidFilter(`Operator '${op}' is not defined for dateTime attributes`);
    const iso = new Date(value).toISOString();
    const left = operand.column ? expr : scimSql`(${expr})::timestamptz`;
    return ordered(left, op, scimSql`${iso}::timestamptz`);
  }
  if (operand.uuid) {
    if (op === 'eq') return isUuid(value) ? scimSql`(${expr} = ${value}::uuid)` : scimSql`false`;
    if (op === 'ne') return isUuid(value) ? scimSql`(${expr} <> ${value}::uuid)` : scimSql`true`;
    return stringCompare(scimSql`(${expr})::text`, op, value, true);
  }
  return stringCompare(
    operand.lowered || operand.caseExact ? expr : scimSql`lower(${expr})`,
    op,
    value,
    operand.caseExact || Boolean(operand.lowered),
  );
}

function stringCompare(left: SqlText, op: CompareOp, value: string, exact: boolean): SqlText {
  const right = exact ? scimSql`${value}::text` : scimSql`lower(${value})`;
  switch (op) {
    case 'co':
      return scimSql`(${left} like ${'%' + escapeLike(exact ? value : value.toLowerCase()) + '%'})`;
    case 'sw':
      return scimSql`(${left} like ${escapeLike(exact ? value : value.toLowerCase()) + '%'})`;
    case 'ew':
      return scimSql`(${left} like ${'%' + escapeLike(exact ? value : value.toLowerCase())})`;
    default:
      return ordered(left, op, right);
  }
}

function ordered(left: SqlText, op: CompareOp, right: SqlText): SqlText {
  switch (op) {
    case 'eq':
      return scimSql`(${left} = ${right})`;
    case 'ne':
      return scimSql`(${left} is distinct from ${right})`;
    case 'gt':
      return scimSql`(${left} > ${right})`;
    case 'ge':
      return scimSql`(${left} >= ${right})`;
    case 'lt':
      return scimSql`(${left} < ${right})`;
    case 'le':
      return scimSql`(${left} <= ${right})`;
    default:
      throw invalidFilter(`Operator '${op}' is not defined here`);
  }
}

function present(operand: Operand, attr: ScimAttr): SqlText {
  if (attr.type === 'complex' || attr.multiValued) {
    return scimSql`(jsonb_typeof(${operand.expr}) = 'array' and jsonb_array_length(${operand.expr}) > 0 or jsonb_typeof(${operand.expr}) = 'object' and ${operand.expr} <> '{}'::jsonb)`;
  }
  if (attr.type === 'string' || attr.type === 'reference' || attr.type === 'binary')
    return scimSql`(${operand.expr} is not null and ${operand.expr} <> '')`;
  return scimSql`(${operand.expr} is not null)`;
}

interface Scope {
  table: ResourceTable;
  /** The row alias (`r`). */
  alias: string;
  /** When compiling inside `any`: the element alias and which array it is. */
  element?: { alias: string; array: string };
  counter: { next: number };
}

function compileNode(node: ScimFilter, scope: Scope): SqlText {
  switch (node.op) {
    case 'and':
      return scimSql`(${compileNode(node.left, scope)} and ${compileNode(node.right, scope)})`;
    case 'or':
      return scimSql`(${compileNode(node.left, scope)} or ${compileNode(node.right, scope)})`;
    case 'not':
      // A missing attribute makes a comparison null; `not` must then be true, as SCIM means "does not match".
      return scimSql`(not coalesce(${compileNode(node.expr, scope)}, false))`;
    case 'any':
      return compileAny(node.array, node.filter, scope);
    case 'pr': {
      if (!scope.element && (node.attr.multiValued || node.attr.type === 'complex')) return presentRowComplex(node.attr, scope);
      return present(operandFor(node.attr, scope), node.attr);
    }
    default: {
      const special = specialCompare(node.attr, node.op, node.value, scope);
      if (special) return special;
      return compare(operandFor(node.attr, scope), node.op, node.value);
    }
  }
}

function operandFor(attr: ScimAttr, scope: Scope): Operand {
  return scope.element ? elementOperand(attr, scope) : rowOperand(scope.table, scope.alias, attr);
}

/** Sub-attributes of an element of a multi-valued attribute; group memberships come from group_members. */
function elementOperand(attr: ScimAttr, scope: Scope): Operand {
  const element = scope.element!;
  const sub = (attr.path[0] ?? 'value').toLowerCase();
  if (element.array === 'members' || element.array === 'groups') {
    const g = element.alias;
    if (sub === 'value')
      return {
        expr: scimSql.raw(element.array === 'members' ? `${g}.member_id` : `${g}.group_id`),
        type: 'string',
        caseExact: true,
        uuid: true,
      };
    if (sub === 'type')
      return {
        expr: element.array === 'members' ? scimSql.raw(`${g}.member_type`) : scimSql`'direct'::text`,
        type: 'string',
        caseExact: false,
      };
    if (sub === 'display' && element.array === 'groups')
      return { expr: scimSql.raw(`${g}_g.display_name`), type: 'string', caseExact: false };
    throw invalidFilter(`Sub-attribute '${attr.path.join('.')}' of ${element.array} cannot be filtered`);
  }
  return jsonOperand(scimSql.raw(`${element.alias}.v`), attr);
}

/** `emails pr`, `name pr`, `members pr` at row level. */
function presentRowComplex(attr: ScimAttr, scope: Scope): SqlText {
  const key = attr.path.join('.').toLowerCase();
  if (scope.table === 'users' && key === 'emails') return scimSql.raw(`(cardinality(${scope.alias}.email_values) > 0)`);
  if (scope.table === 'groups' && key === 'members')
    return scimSql.raw(`exists (select 1 from group_members pm where pm.group_id = ${scope.alias}.id)`);
  if (scope.table === 'users' && key === 'groups')
    return scimSql.raw(`exists (select 1 from group_members pm where pm.member_id = ${scope.alias}.id)`);
  return present(
    { expr: scimSql`(${scimSql.raw(`${scope.alias}.resource`)} #> ${jsonPath(attr.path)}::text[])`, type: 'complex', caseExact: true },
    attr,
  );
}

/** Comparisons served by special columns: userName and group displayName (domain-qualified), email values. */
function specialCompare(attr: ScimAttr, op: CompareOp, value: FilterValue, scope: Scope): SqlText | undefined {
  if (scope.element) return undefined;
  const key = attr.path.join('.').toLowerCase();
  const nameColumn =
    scope.table === 'users' && key === 'username' ? 'user_name' : scope.table === 'groups' && key === 'displayname' ? 'display_name' : null;
  if (!nameColumn) return undefined;
  if (typeof value !== 'string') throw invalidFilter(`'${attr.path.join('.')}' compares only with a string`);
  const col = scimSql.raw(`${scope.alias}.${nameColumn}`);
  // The value carries its user store domain ("EMPLOYEES/alice"; no prefix = PRIMARY): the domain picks the
  // store, the comparison applies to the name within it. co and ew without a domain search every store.
  const slash = value.indexOf('/');
  const domain = slash > 0 ? value.slice(0, slash).toUpperCase() : 'PRIMARY';
  const name = slash > 0 ? value.slice(slash + 1) : value;
  const inStore = scimSql`${scimSql.raw(`${scope.alias}.user_store_id`)} = (select us.id from user_stores us where us.domain = ${domain})`;
  if ((op === 'co' || op === 'ew') && slash <= 0) return stringCompare(scimSql`lower(${col})`, op, value, false);
  if (op === 'ne') return scimSql`(not (${inStore} and lower(${col}) = lower(${name})))`;
  return scimSql`(${inStore} and ${stringCompare(scimSql`lower(${col})`, op, name, false)})`;
}

function compileAny(array: string[], filter: ScimFilter, scope: Scope): SqlText {
  if (scope.element) throw invalidFilter('Value filters cannot be nested');
  const key = array.join('.').toLowerCase();
  const alias = `e${scope.counter.next++}`;
  // emails.value eq "x": a B-tree probe of user_email_values, keyed as the store keys them (`emailValueKey`, in
  // JavaScript, so not with PostgreSQL's lower()). `id = any(array(…))`
  // runs the probe once (an InitPlan) and keeps the users' primary key usable under OR as well as alone.
  if (scope.table === 'users' && key === 'emails') {
    const indexed = emailValueEq(filter);
    if (indexed !== undefined) {
      const v = `${alias}v`;
      const ids = scimSql`select ${scimSql.raw(`${v}.user_id`)} from user_email_values ${scimSql.raw(v)} where ${scimSql.raw(`${v}.value`)} = ${emailValueKey(indexed)}`;
      const probe = scimSql`(${scimSql.raw(`${scope.alias}.id`)} = any(array(${ids})))`;
      if (filter.op !== 'and') return probe;
      return scimSql`(${probe} and ${anyOverJson(array, filter, scope, alias)})`;
    }
  }
  if (scope.table === 'groups' && key === 'members') {
    const inner = compileNode(filter, { ...scope, element: { alias, array: 'members' } });
    return scimSql`exists (select 1 from group_members ${scimSql.raw(alias)} where ${scimSql.raw(`${alias}.group_id = ${scope.alias}.id`)} and ${inner})`;
  }
  if (scope.table === 'users' && key === 'groups') {
    const inner = compileNode(filter, { ...scope, element: { alias, array: 'groups' } });
    return scimSql`exists (select 1 from group_members ${scimSql.raw(alias)} join groups ${scimSql.raw(`${alias}_g`)} on ${scimSql.raw(`${alias}_g.id = ${alias}.group_id`)} where ${scimSql.raw(`${alias}.member_id = ${scope.alias}.id`)} and ${inner})`;
  }
  return anyOverJson(array, filter, scope, alias);
}

function anyOverJson(array: string[], filter: ScimFilter, scope: Scope, alias: string): SqlText {
  const source = scimSql`(${scimSql.raw(`${scope.alias}.resource`)} #> ${jsonPath(array)}::text[])`;
  const inner = compileNode(filter, { ...scope, element: { alias, array: array.join('.') } });
  return scimSql`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${source}) = 'array' then ${source} else '[]'::jsonb end) as ${scimSql.raw(`${alias}(v)`)} where ${inner})`;
}

/** The value of a `value eq "..."` in a value filter (alone, or as a conjunct), if there is one. */
function emailValueEq(filter: ScimFilter): string | undefined {
  if (filter.op === 'eq' && (filter.attr.path[0] ?? 'value').toLowerCase() === 'value' && typeof filter.value === 'string')
    return filter.value;
  if (filter.op === 'and') return emailValueEq(filter.left) ?? emailValueEq(filter.right);
  return undefined;
}

/**
 * Whether a filter is one equality on an attribute with an index of its own (userName, externalId, id,
 * emails.value; a group's displayName, externalId, id). Such a search is planned the same for any value,
 * so it may run as a prepared statement; a LIKE or range filter may not (a generic plan cannot use the
 * index for `like $1`, and its row estimates ignore the value).
 */
export function isIndexedEquality(table: ResourceTable, filter: ScimFilter): boolean {
  if (filter.op === 'any') return table === 'users' && filter.array.join('.').toLowerCase() === 'emails' && isEq(filter.filter, ['value']);
  return isEq(filter, table === 'users' ? ['username', 'externalid', 'id'] : ['displayname', 'externalid', 'id']);
}

const isEq = (filter: ScimFilter, keys: string[]) =>
  filter.op === 'eq' && typeof filter.value === 'string' && keys.includes(filter.attr.path.join('.').toLowerCase());

export function compileScimFilter(table: ResourceTable, filter: ScimFilter, alias = 'r'): SqlText {
  return compileNode(filter, { table, alias, counter: { next: 0 } });
}

/**
 * The key a list is sorted by (RFC 7644 §3.4.2.3): its expression, SQL type and whether it can be null.
 * Multi-valued attributes sort by their primary value. Keyset paging compares a stored key with the expression,
 * cast back to `type` (scim-search.ts).
 */
export interface SortKey {
  expr: SqlText;
  type: 'text' | 'uuid' | 'timestamptz' | 'boolean' | 'numeric' | 'jsonb';
  nullable: boolean;
}

export function sortKey(table: ResourceTable, attr: ScimAttr, alias = 'r'): SortKey {
  const key = attr.path.join('.').toLowerCase();
  const text = (expr: SqlText, nullable = true): SortKey => ({ expr, type: 'text', nullable });
  if (table === 'users' && (key === 'emails' || key === 'emails.value')) return text(scimSql.raw(`${alias}.primary_email`));
  if (table === 'users' && key === 'username') return text(scimSql.raw(`lower(${alias}.user_name)`), false);
  if (table === 'groups' && key === 'displayname') return text(scimSql.raw(`lower(${alias}.display_name)`), false);
  if (attr.multiValued || (attr.path.length > 1 && attr.type === 'complex')) {
    const source = scimSql`(${scimSql.raw(`${alias}.resource`)} #> ${jsonPath(attr.path.slice(0, 1))}::text[])`;
    return text(
      scimSql`(select x ->> 'value' from jsonb_array_elements(case when jsonb_typeof(${source}) = 'array' then ${source} else '[]'::jsonb end) x order by (x ->> 'primary') = 'true' desc limit 1)`,
    );
  }
  if (attr.type === 'complex')
    throw new AppError('invalid_input', 'invalidValue', `Cannot sort by the complex attribute '${attr.path.join('.')}'`);
  const operand = rowOperand(table, alias, attr);
  const expr = operand.caseExact || attr.type !== 'string' ? operand.expr : scimSql`lower(${operand.expr})`;
  if (operand.uuid) return { expr, type: 'uuid', nullable: false };
  if (operand.column) {
    // Columns: the timestamps, `active` and the meta expressions are never null; the copied attributes may be.
    if (operand.type === 'dateTime') return { expr, type: 'timestamptz', nullable: false };
    if (operand.type === 'boolean') return { expr, type: 'boolean', nullable: false };
    return text(expr, !['meta.resourcetype', 'meta.version'].includes(key));
  }
  if (operand.type === 'boolean') return { expr, type: 'jsonb', nullable: true };
  if (operand.type === 'decimal' || operand.type === 'integer') return { expr, type: 'numeric', nullable: true };
  return text(expr);
}
