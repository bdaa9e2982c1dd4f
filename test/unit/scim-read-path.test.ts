// Pieces of the SCIM read path that replaced library code: the SCIM search's SQL builder `scimSql` (exactly the
// text and parameters drizzle's `sql` compiles the same fragments to) and PostgreSQL timestamps as ISO 8601 (what Date#toISOString writes).
import { sql as drizzleSql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../src/store/scim-search.js';
import { compileScimFilter } from '../../src/store/scim-query.js';
import { compileScimSql, scimSql as sql } from '../../src/store/scim-sql-text.js';

describe('scimSql, the SCIM search fast path', () => {
  it('numbers parameters in order through nested fragments and joins, as drizzle did', () => {
    const inner = sql`lower(${'A'})`;
    const list = sql.join([sql`${1}::uuid`, sql`${2}::uuid`, sql.raw('x')], sql`, `);
    const query = compileScimSql(
      sql`select ${sql.raw('r.*')} from t r where a = ${inner} and b in (${list}) and c = ${true} ${sql``}limit ${100}`,
    );
    expect(query).toEqual({
      sql: 'select r.* from t r where a = lower($1) and b in ($2::uuid, $3::uuid, x) and c = $4 limit $5',
      params: ['A', 1, 2, true, 100],
    });
    const d = drizzleSql;
    const same: SQL = d`select ${d.raw('r.*')} from t r where a = ${d`lower(${'A'})`} and b in (${d.join([d`${1}::uuid`, d`${2}::uuid`, d.raw('x')], d`, `)}) and c = ${true} ${d``}limit ${100}`;
    const compiled = new PgDialect().sqlToQuery(same);
    expect(query).toEqual({ sql: compiled.sql, params: compiled.params });
    expect(compileScimSql(sql.join([], sql`, `))).toEqual({ sql: '', params: [] });
    // An array is one parameter, as drizzle's sql.param(array) makes it (drizzle's bare ${array} spreads into a list).
    const path = ['name', 'givenName'];
    const withArray = new PgDialect().sqlToQuery(d`(r.resource #> ${d.param(path)}::text[])`);
    expect(compileScimSql(sql`(r.resource #> ${path}::text[])`)).toEqual({ sql: withArray.sql, params: withArray.params });
  });

  it('compiles a filter with its values as parameters, never in the text', () => {
    const q = compileScimSql(
      compileScimFilter('users', {
        op: 'eq',
        attr: { path: ['userName'], type: 'string', caseExact: false },
        value: "x'; drop table users; --",
      }),
    );
    expect(q.sql).not.toContain('drop table');
    expect(q.params).toContain("x'; drop table users; --");
  });
});

describe('isoTimestamp', () => {
  it('writes what Date#toISOString writes for PostgreSQL timestamps, in UTC and otherwise', () => {
    const samples = [
      '2026-11-25 16:31:00+00',
      '2026-11-25 16:31:00.1+00',
      '2026-11-25 16:31:00.12+00',
      '2026-11-25 16:31:00.123+00',
      '2026-11-25 16:31:00.1239+00',
      '2026-11-25 16:31:00.999999+00',
      '1999-12-31 23:59:59.000001+00',
      '2026-11-25 16:31:00.123456+05:30',
      '2026-11-25 16:31:00.5-02',
      '0999-01-01 00:00:00+00',
      '2026-11-25T16:31:00.123Z',
    ];
    for (const value of samples) expect(isoTimestamp(value), value).toBe(new Date(value).toISOString());
    const date = new Date('2020-02-29T12:00:00.250Z');
    expect(isoTimestamp(date)).toBe('2020-02-29T12:00:00.250Z');
  });
});
