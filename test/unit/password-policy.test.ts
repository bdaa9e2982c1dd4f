// The local password policy: length, not the username, not a common password, confirmation.
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from '../../src/domain/common-passwords.js';
import { assertPasswordAcceptable, checkPassword, DEFAULT_PASSWORD_POLICY } from '../../src/domain/password-policy.js';

describe('password policy', () => {
  it('accepts a long, uncommon password unrelated to the username', () => {
    expect(checkPassword('correct horse battery staple', { username: 'alice' })).toEqual([]);
    expect(checkPassword('Tr0ub4dor&3-xyzzy', { username: 'EMPLOYEES/alice', confirmation: 'Tr0ub4dor&3-xyzzy' })).toEqual([]);
  });

  it('refuses empty, short and over-long passwords', () => {
    expect(checkPassword('', { username: 'alice' })).toEqual(['empty']);
    expect(checkPassword('abc$7Kq', { username: 'alice' })).toEqual(['too_short']);
    expect(checkPassword('x'.repeat(DEFAULT_PASSWORD_POLICY.maxLength + 1), {})).toContain('too_long');
    // Length counts characters as people do: ten emoji are ten characters.
    expect(checkPassword('🔑'.repeat(10), {})).toEqual([]);
  });

  it('refuses the username, with or without its domain, and passwords containing it', () => {
    expect(checkPassword('alice.liddell', { username: 'alice.liddell' })).toContain('is_username');
    expect(checkPassword('Alice.Liddell', { username: 'EMPLOYEES/alice.liddell' })).toContain('is_username');
    expect(checkPassword('EMPLOYEES/alice.liddell', { username: 'EMPLOYEES/alice.liddell' })).toContain('is_username');
    expect(checkPassword('my-alice.liddell-2026', { username: 'alice.liddell' })).toEqual(['contains_username']);
  });

  it('refuses common passwords whatever their case', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThan(300);
    expect(checkPassword('password123', {})).toEqual(['common']);
    expect(checkPassword('QWERTYUIOP', {})).toEqual(['common']);
    expect(checkPassword('1q2w3e4r5t', {})).toEqual(['common']);
  });

  it('refuses a mismatched confirmation', () => {
    expect(checkPassword('correct horse battery staple', { confirmation: 'correct horse battery stapler' })).toEqual(['mismatch']);
  });

  it('throws weak_password naming every problem as a field', () => {
    try {
      assertPasswordAcceptable('mxyzptlk', { username: 'mxyzptlk', confirmation: 'mxyzptlq' });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'weak_password', status: 400 });
      expect((error as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual(['password', 'password', 'confirmation']);
    }
    expect(() => assertPasswordAcceptable('correct horse battery staple', { confirmation: 'x' })).toThrow(
      expect.objectContaining({ code: 'password_mismatch' }),
    );
  });
});
