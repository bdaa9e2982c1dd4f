// Fuzz: 1,200 generated malformed filters, query parameters and bodies (seeded, so reproducible).
// Every answer must be a SCIM error or a normal answer, never a 5xx; no database error text may leak;
// and nothing may be written (user, group, audit and outbox counts unchanged).
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, groups, outboxEvents, users } from '../../src/store/schema/index.js';
import { createScimClient, ENTERPRISE_SCHEMA, newUser, PATCH_SCHEMA, USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let scim: ScimTestClient;
let victim: string;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_fuzz' });
  scim = await createScimClient(server);
  victim = (await scim.json('POST', '/Users', newUser('victim', { emails: [{ value: 'v@x.test', type: 'work' }] }))).body.id;
});
afterAll(async () => server?.stop());

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}

const ATTRS = [
  'userName',
  'emails',
  'emails.value',
  'emails.type',
  'name.familyName',
  'name',
  'meta.created',
  'active',
  'id',
  'externalId',
  `${ENTERPRISE_SCHEMA}:employeeNumber`,
  'groups.value',
  'nope',
  'x.y.z',
  'urn:x:y',
  '1abc',
  'emails[',
  'user-name',
  "'",
  '"',
  '',
];
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'xx', 'EQ', '=', '==', 'like', ''];
const VALUES = [
  '"a"',
  '"\' OR 1=1 --"',
  '"\\"); drop table users; --"',
  '"%_\\\\"',
  'true',
  'false',
  'null',
  '42',
  '-1.5e3',
  '"2020-13-45T99:00:00Z"',
  '"\\u0000"',
  '"unterminated',
  'unquoted',
  '"' + 'x'.repeat(300) + '"',
  '"ü€😀"',
  '[]',
  '{}',
  '',
];
const GLUE = ['and', 'or', 'not', '(', ')', '[', ']', 'and not', ' ', '.', '"'];
const SQL_LEAK =
  /syntax error at or near|relation "|column "|SQLSTATE|Failed query|drizzle|postgres|pglite|invalid input syntax|operator does not exist|violates/i;

function fuzzFilter(r: ReturnType<typeof random>): string {
  const parts: string[] = [];
  const n = 1 + r.int(8);
  for (let i = 0; i < n; i++) {
    const kind = r.int(4);
    if (kind === 0) parts.push(r.pick(GLUE));
    else parts.push(`${r.pick(ATTRS)} ${r.pick(OPS)} ${r.pick(VALUES)}`.trim());
  }
  let text = parts.join(' ');
  // Mutate: drop, duplicate or swap characters.
  for (let m = r.int(3); m > 0 && text.length; m--) {
    const at = r.int(text.length);
    const choice = r.int(3);
    text =
      choice === 0
        ? text.slice(0, at) + text.slice(at + 1)
        : choice === 1
          ? text.slice(0, at) + text[at] + text.slice(at)
          : text.slice(0, at) + r.pick(['(', ')', '[', ']', '"', '\\', "'"]) + text.slice(at + 1);
  }
  // Mutations may split a surrogate pair; keep the string encodable.
  text = (text as unknown as { toWellFormed(): string }).toWellFormed();
  // Now and then past the 4,096-character limit (but within what Node's HTTP parser accepts in a URL).
  return r.int(50) === 0 ? 'userName eq "a" or '.repeat(230) + text : text;
}

const JUNK: unknown[] = [
  null,
  42,
  -1,
  1e308,
  true,
  'x',
  '',
  [],
  [null],
  {},
  { a: { b: { c: [] } } },
  'x'.repeat(5000),
  ['a', 1, null],
  '\u0000',
];

/** A POST body that is certainly invalid: one definite defect, with random noise around it. */
function fuzzUserBody(r: ReturnType<typeof random>): unknown {
  const base: Record<string, unknown> = newUser(`fuzz${r.int(1e6)}`, { displayName: 'Fuzz', emails: [{ value: 'f@x.test' }] });
  for (let i = r.int(3); i > 0; i--)
    base[r.pick(['title', 'nickName', 'emails', 'name', 'active', 'phoneNumbers', 'bogus', ENTERPRISE_SCHEMA, 'meta', 'id'])] =
      r.pick(JUNK);
  const defect = r.int(9);
  if (defect === 0) delete base.schemas;
  else if (defect === 1) base.schemas = r.pick([[], ['urn:nope'], 'string', [USER_SCHEMA, 5], [ENTERPRISE_SCHEMA]]);
  else if (defect === 2) base.userName = r.pick([null, 5, '', [], {}, true, ' ', 'a/b/c', 'NOWHERE/x', 'ab']);
  else if (defect === 3) delete base.userName;
  else if (defect === 4) base.active = r.pick(['maybe', 2, {}, [], 'yes']);
  else if (defect === 5) base.emails = r.pick(['x', 5, { value: 1 }, [{ value: {} }], [{ primary: 'perhaps', value: 'a@b' }]]);
  else if (defect === 6) base.name = r.pick(['x', 5, [], { givenName: 5 }, { familyName: [] }]);
  else if (defect === 7) return r.pick(['{', '[]', 'null', '"x"', '{"schemas":', '\u0000', '{"a":1}}', '']);
  else base[ENTERPRISE_SCHEMA] = r.pick([5, 'x', { employeeNumber: 5 }, { manager: 'x' }, { manager: { value: [] } }]);
  return base;
}

/** A PATCH that is certainly invalid: random operations with one bad operation somewhere among them. */
function fuzzPatchBody(r: ReturnType<typeof random>): unknown {
  const ok = () =>
    r.pick([
      { op: 'replace', path: 'title', value: 'T' },
      { op: 'add', path: 'nickName', value: 'N' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'remove', path: 'name.givenName' },
    ]);
  const bad = () =>
    r.pick<unknown>([
      { op: 'jump', path: 'title', value: 'x' },
      { op: 'replace', path: 'shoeSize', value: 'x' },
      { op: 'remove' },
      { op: 'add', path: 'emails[type eq', value: 'x' },
      { op: 'add', path: 'title' },
      { op: 'replace', path: 'active', value: 'perhaps' },
      { op: 'replace', path: 'userName', value: 'NOWHERE/x' },
      { op: 'replace', path: 'userName', value: 5 },
      { op: 'replace', value: 'not an object' },
      { op: 'replace', path: 'emails[value eq "v@x.test"].value', value: { a: 1 } },
      'string op',
      null,
      { op: 'add', path: 'x'.repeat(2000), value: 1 },
    ]);
  const ops: unknown[] = Array.from({ length: r.int(4) }, ok);
  ops.splice(r.int(ops.length + 1), 0, bad());
  const shape = r.int(10);
  if (shape === 0) return { Operations: ops };
  if (shape === 1) return { schemas: [PATCH_SCHEMA], Operations: 'x' };
  return { schemas: [PATCH_SCHEMA], Operations: ops };
}

async function counts() {
  const [u] = await server.ctx.store.db.select({ n: count() }).from(users);
  const [g] = await server.ctx.store.db.select({ n: count() }).from(groups);
  const [a] = await server.ctx.store.db.select({ n: count() }).from(auditEvents);
  const [o] = await server.ctx.store.db.select({ n: count() }).from(outboxEvents);
  return { users: u!.n, groups: g!.n, audit: a!.n, outbox: o!.n };
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('fuzzing the SCIM edge', () => {
  it('answers 1,200 malformed requests without a 5xx, without leaking SQL, writing nothing', async () => {
    const r = random(Number(process.env.SCIM_FUZZ_SEED ?? 20261125));
    const before = await counts();
    const victimBefore = (await scim.json('GET', `/Users/${victim}`)).body;
    type Probe = { method: string; path: string; body?: unknown };
    const probes: Probe[] = [];
    for (let i = 0; i < 600; i++)
      probes.push({ method: 'GET', path: `/${r.pick(['Users', 'Groups'])}?filter=${encodeURIComponent(fuzzFilter(r))}` });
    for (let i = 0; i < 100; i++)
      probes.push({
        method: 'POST',
        path: '/Users/.search',
        body: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: fuzzFilter(r),
          startIndex: r.pick(JUNK),
          count: r.pick(JUNK),
          sortBy: r.pick([...ATTRS, 5, null]),
        },
      });
    for (let i = 0; i < 100; i++) {
      const params = [
        `sortBy=${encodeURIComponent(r.pick(ATTRS))}`,
        `sortOrder=${r.pick(['ascending', 'up', ''])}`,
        `startIndex=${r.pick(['-5', 'x', '1e9', '99999999999999999', ''])}`,
        `count=${r.pick(['-1', 'x', '0', '1.5'])}`,
        `cursor=${r.pick(['', 'abc', '%%%', 'eyJ2IjpudWxsfQ'])}`,
        `attributes=${encodeURIComponent(r.pick(ATTRS))}`,
      ];
      probes.push({ method: 'GET', path: `/Users?${params.filter(() => r.next() < 0.5).join('&')}` });
    }
    for (let i = 0; i < 250; i++) probes.push({ method: 'POST', path: '/Users', body: fuzzUserBody(r) });
    for (let i = 0; i < 50; i++) probes.push({ method: 'PUT', path: `/Users/${victim}`, body: fuzzUserBody(r) });
    for (let i = 0; i < 100; i++)
      probes.push({
        method: 'PATCH',
        path: `/Users/${r.pick([victim, victim, 'not-a-uuid', '00000000-0000-4000-8000-000000000000'])}`,
        body: fuzzPatchBody(r),
      });
    expect(probes.length).toBeGreaterThanOrEqual(1200);

    const failures: string[] = [];
    await inBatches(probes, 8, async (probe) => {
      const response = await scim.call(probe.method, probe.path, probe.body);
      const text = await response.text();
      if (response.status >= 500)
        failures.push(
          `${response.status} ${probe.method} ${probe.path} ${JSON.stringify(probe.body)?.slice(0, 300)} → ${text.slice(0, 300)}`,
        );
      else if (SQL_LEAK.test(text)) failures.push(`leak: ${probe.method} ${probe.path} → ${text.slice(0, 300)}`);
      else if (probe.method !== 'GET' && !probe.path.endsWith('.search') && response.status < 400)
        failures.push(`accepted: ${probe.method} ${probe.path} ${JSON.stringify(probe.body)?.slice(0, 300)}`);
      else if (response.status >= 400 && !/"schemas":\["urn:ietf:params:scim:api:messages:2.0:Error"\]/.test(text))
        failures.push(`not a SCIM error: ${response.status} ${probe.path.slice(0, 80)} ${text.slice(0, 200)}`);
    });
    expect(failures.slice(0, 10)).toEqual([]);
    expect(await counts()).toEqual(before);
    expect((await scim.json('GET', `/Users/${victim}`)).body).toEqual(victimBefore);
  }, 120_000);
});
