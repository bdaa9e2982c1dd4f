// Inbound coercion without scimmy's schema instance (src/scim/schemas.ts) must give what the instance gave: the
// same resource, or the same SCIM error, for valid and invalid Users and Groups of every shape a client may send.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { coerceThroughDefinition, schemaClass, toScimValidationError, type ResourceKind } from '../../src/scim/schemas.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** What coerceInbound did before: a scimmy schema instance, serialised. */
const viaInstance = (kind: ResourceKind, resource: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(new (schemaClass(kind))(resource, 'in'))) as Record<string, unknown>;

function outcome(run: () => Record<string, unknown>) {
  try {
    return { ok: run() };
  } catch (error) {
    const e = toScimValidationError(error) as AppError;
    return { status: e.status, scimType: e.code, message: e.message };
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick };
}

const SCALARS = ['alice', 'Bob Smith', '', 'x@example.com', 42, 3.5, true, false, null, '2026-01-02T03:04:05Z', 'https://example.com/p'];
const USER_KEYS = [
  'userName',
  'USERNAME',
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'active',
  'externalId',
  'name',
  'emails',
  'phoneNumbers',
  'addresses',
  'roles',
  'x509Certificates',
  'entitlements',
  'ims',
  'photos',
  'shoeSize',
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager.value`,
];
const GROUP_KEYS = ['displayName', 'DisplayName', 'externalId', 'members', 'owner'];

function value(r: ReturnType<typeof random>, key: string, depth = 0, valid = false): unknown {
  const k = key.toLowerCase();
  const roll = valid ? 0.99 : r.next();
  if (valid && k === 'active') return r.pick([true, false]);
  if (valid && k === 'name') return { givenName: 'Ann', familyName: r.pick(['Smith', 'O’Neil']) };
  if (valid && ['emails', 'phonenumbers', 'roles', 'entitlements', 'ims', 'photos', 'members'].includes(k))
    return Array.from({ length: Math.floor(r.next() * 3) }, (_, i) => ({
      value: r.pick(['a@example.com', 'B@EXAMPLE.ORG', 'https://example.com/x']),
      ...(r.next() < 0.5 ? { type: r.pick(['work', 'home']) } : {}),
      ...(i === 0 && r.next() < 0.5 ? { primary: true } : {}),
    }));
  if (valid && ['addresses', 'x509certificates'].includes(k)) return [];
  if (roll < 0.15) return r.pick(SCALARS);
  if (k === 'name') return { givenName: r.pick(SCALARS), familyName: r.pick(['Smith', 'O’Neil', 7]), formatted: r.pick(['A B', null]) };
  if (['emails', 'phonenumbers', 'roles', 'entitlements', 'ims', 'photos', 'x509certificates', 'addresses', 'members'].includes(k)) {
    if (roll < 0.25) return { value: 'not an array' };
    return Array.from({ length: Math.floor(r.next() * 3) }, () => ({
      value: r.pick(['a@example.com', 'B@EXAMPLE.ORG', 5, true, '']),
      ...(r.next() < 0.5 ? { type: r.pick(['work', 'home', 'other', 'Work', 3]) } : {}),
      ...(r.next() < 0.4 ? { primary: r.pick([true, false, 'true', 'x']) } : {}),
      ...(r.next() < 0.2 ? { display: 'D' } : {}),
      ...(r.next() < 0.1 ? { unknownSub: 1 } : {}),
      ...(k === 'addresses' && r.next() < 0.5 ? { locality: 'Town', country: r.pick(['NZ', 1]) } : {}),
    }));
  }
  if (k === 'active') return r.pick([true, false, 'true', 1, null]);
  if (depth === 0 && roll < 0.3) return { nested: r.pick(SCALARS) };
  return r.pick(['plain', 'Ünïcode ✓', 'https://example.com/u', '2026-05-06T07:08:09.123Z']);
}

function resource(r: ReturnType<typeof random>, kind: ResourceKind): Record<string, unknown> {
  const core = kind === 'User' ? USER : GROUP;
  // Half of them shaped as a real client sends them, the other half anything.
  const valid = r.next() < 0.5;
  const out: Record<string, unknown> = {
    schemas: valid
      ? r.pick([[core], [core, ENTERPRISE]])
      : r.pick([[core], [core, ENTERPRISE], [core.toLowerCase()], [], [core, 'urn:other']]),
  };
  const keys = (kind === 'User' ? USER_KEYS : GROUP_KEYS).filter((k) => !valid || !['shoeSize', 'owner', 'profileUrl'].includes(k));
  for (const key of keys) if (r.next() < 0.35) out[key] = value(r, key, 0, valid);
  if (kind === 'User' && (valid || r.next() < 0.7))
    out.userName = valid ? r.pick(['alice', 'EMPLOYEES/bob']) : r.pick(['alice', 'EMPLOYEES/bob', '', 5]);
  if (kind === 'Group' && r.next() < 0.8) out.displayName = r.pick(['Admins', 'EMPLOYEES/Ops', '', null]);
  if (kind === 'User' && r.next() < 0.3)
    out[ENTERPRISE] = r.pick([
      { department: 'R&D', employeeNumber: r.pick(['1001', 1001]) },
      { manager: { value: 'm1', displayName: 'Boss' } },
      { costCenter: ['a'] },
      { unknownThing: 1 },
      {},
    ]);
  return out;
}

describe('inbound coercion through the schema definition', () => {
  it.each(['User', 'Group'] as const)('gives what scimmy’s %s instance gave, on 2,000 generated resources', (kind) => {
    const r = random(kind === 'User' ? 7 : 11);
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const input = resource(r, kind);
      const expected = outcome(() => viaInstance(kind, structuredClone(input)));
      const actual = outcome(() => coerceThroughDefinition(kind, structuredClone(input)));
      expect(actual, JSON.stringify(input)).toEqual(expected);
      if ('ok' in expected) accepted++;
    }
    // Both valid and invalid resources were compared.
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBeLessThan(1800);
  });
});
