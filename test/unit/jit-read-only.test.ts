// The enhanced feature's read-only rule for JIT-provisioned users, and the PUT diff that feeds it.
import { describe, expect, it } from 'vitest';
import { assertJitWritable, jitReadOnlyViolation, topLevelAttribute } from '../../src/domain/jit-read-only.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const on = { jit: { enhancedFeature: true } };
const off = { jit: { enhancedFeature: false } };
const jitUser = { jitIdpId: '11111111-1111-4111-8111-111111111111' };
const localUser = { jitIdpId: null };

describe('jitReadOnlyViolation', () => {
  it('refuses SCIM and admin writes to attributes of a JIT user when the enhanced feature is on', () => {
    expect(jitReadOnlyViolation({ settings: on, user: jitUser, changedPaths: ['name.givenName'], writer: 'scim' })).toBe('name.givenName');
    expect(
      jitReadOnlyViolation({ settings: on, user: jitUser, changedPaths: ['active', 'emails[type eq "work"].value'], writer: 'admin' }),
    ).toBe('emails[type eq "work"].value');
    expect(jitReadOnlyViolation({ settings: on, user: jitUser, changedPaths: [`${ENTERPRISE}:department`], writer: 'scim' })).toBe(
      `${ENTERPRISE}:department`,
    );
  });

  it('allows active, the IdP sync, local users, and everything with the feature off', () => {
    expect(
      jitReadOnlyViolation({
        settings: on,
        user: jitUser,
        changedPaths: ['active', 'urn:ietf:params:scim:schemas:core:2.0:User:active', 'meta', 'schemas'],
        writer: 'scim',
      }),
    ).toBeNull();
    expect(jitReadOnlyViolation({ settings: on, user: jitUser, changedPaths: ['userName'], writer: 'idp' })).toBeNull();
    expect(jitReadOnlyViolation({ settings: on, user: localUser, changedPaths: ['userName'], writer: 'scim' })).toBeNull();
    expect(jitReadOnlyViolation({ settings: off, user: jitUser, changedPaths: ['userName'], writer: 'admin' })).toBeNull();
  });

  it('throws the mutability error (SCIM scimType mutability) naming the attribute', () => {
    expect(() => assertJitWritable({ settings: on, user: jitUser, changedPaths: ['displayName'], writer: 'scim' })).toThrow(
      expect.objectContaining({ code: 'mutability', status: 400, message: expect.stringContaining("attribute 'displayName'") }),
    );
    expect(() => assertJitWritable({ settings: on, user: jitUser, changedPaths: ['active'], writer: 'scim' })).not.toThrow();
  });
});

describe('topLevelAttribute', () => {
  it('finds the attribute a path starts at', () => {
    expect(topLevelAttribute('name.givenName')).toBe('name');
    expect(topLevelAttribute('Emails[type eq "work"].value')).toBe('emails');
    expect(topLevelAttribute('urn:ietf:params:scim:schemas:core:2.0:User:Active')).toBe('active');
    expect(topLevelAttribute(`${ENTERPRISE}:manager.value`)).toBe(`${ENTERPRISE}:manager`.toLowerCase());
    expect(topLevelAttribute(`${ENTERPRISE}:manager[value eq "a:b"]`)).toBe(`${ENTERPRISE}:manager`.toLowerCase());
  });
});

describe('with the SCIM write path’s diff (domain/attribute-changes.ts)', () => {
  it('refuses a PUT that changes a name, allows one that only deactivates', async () => {
    const { changedAttributePaths } = await import('../../src/domain/attribute-changes.js');
    const stored = { schemas: [], userName: 'alice', active: true, name: { givenName: 'Alice' }, [ENTERPRISE]: { department: 'R&D' } };
    const renamed = { ...stored, name: { givenName: 'Alicia' } };
    const deactivated = { ...stored, active: false };
    const moved = { ...stored, [ENTERPRISE]: { department: 'Sales' } };
    const check = (after: Record<string, unknown>) =>
      jitReadOnlyViolation({ settings: on, user: jitUser, changedPaths: changedAttributePaths(stored, after), writer: 'scim' });
    expect(check(renamed)).toBe('name');
    expect(check(deactivated)).toBeNull();
    expect(check(moved)).toBe(`${ENTERPRISE}:department`);
  });
});
