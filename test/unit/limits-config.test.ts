// The resource-limit settings of issue 20: defaults, accepted values, and a start-up error naming a bad one.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('limit settings', () => {
  it('have defaults', () => {
    expect(loadConfig({})).toMatchObject({
      passwordHashConcurrency: 4,
      passwordHashQueueTimeoutMs: 5000,
      loginBodyLimitBytes: 32768,
      dbStatementTimeoutMs: 30000,
      dbBackgroundStatementTimeoutMs: 300000,
      federationStartLimit: 30,
      federationStartWindowSeconds: 60,
    });
  });

  it('take values and refuse what does not fit, by name', () => {
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: '2', DB_STATEMENT_TIMEOUT_MS: '0', FEDERATION_START_LIMIT: '0' })).toMatchObject({
      passwordHashConcurrency: 2,
      dbStatementTimeoutMs: 0,
      federationStartLimit: 0,
    });
    expect(() => loadConfig({ PASSWORD_HASH_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOGIN_BODY_LIMIT_BYTES: '10' })).toThrow(/LOGIN_BODY_LIMIT_BYTES must be/);
  });
});
