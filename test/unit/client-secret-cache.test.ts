// The client secret check (scrypt) behind oidc-provider's client authentication: a successful check is remembered,
// concurrent checks of the same secret share one scrypt run, and a wrong secret is never remembered.
import { describe, expect, it } from 'vitest';
import { clientSecretChecks, verifyClientSecret } from '../../src/oidc/clients.js';
import { hashPassword } from '../../src/store/index.js';

describe('verifyClientSecret', () => {
  it('runs scrypt once for concurrent checks of the same secret, then answers from memory', async () => {
    const hash = await hashPassword('s3cret-concurrent');
    const before = clientSecretChecks.scrypt;
    const answers = await Promise.all(Array.from({ length: 6 }, () => verifyClientSecret(hash, 's3cret-concurrent')));
    expect(answers).toEqual([true, true, true, true, true, true]);
    expect(clientSecretChecks.scrypt - before).toBe(1);
    expect(await verifyClientSecret(hash, 's3cret-concurrent')).toBe(true);
    expect(clientSecretChecks.scrypt - before).toBe(1);
  });

  it('refuses a wrong secret every time (each check runs scrypt: nothing wrong is remembered)', async () => {
    const hash = await hashPassword('right-secret');
    const before = clientSecretChecks.scrypt;
    expect(await verifyClientSecret(hash, 'wrong-secret')).toBe(false);
    expect(await verifyClientSecret(hash, 'wrong-secret')).toBe(false);
    expect(clientSecretChecks.scrypt - before).toBe(2);
    // Another hash (a regenerated secret) is checked afresh even for a secret remembered under the old one.
    expect(await verifyClientSecret(hash, 'right-secret')).toBe(true);
    const other = await hashPassword('right-secret');
    expect(await verifyClientSecret(other, 'right-secret')).toBe(true);
    expect(clientSecretChecks.scrypt - before).toBe(4);
  });
});
