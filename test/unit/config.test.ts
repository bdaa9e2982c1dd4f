import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('starts from defaults: port 8080, embedded database in ./.data, public URL from the port', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      dataDir: './.data',
      publicUrl: 'http://localhost:8080',
      databaseUrl: undefined,
      databasePoolSize: 10,
      backgroundWorkers: true,
    });
  });

  it('names the variable, what it expects and what it got', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(new ConfigError("PORT must be an integer 1-65535, got 'abc'"));
    expect(() => loadConfig({ PORT: '70000' })).toThrow("PORT must be an integer 1-65535, got '70000'");
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      "DATABASE_URL must be a postgres:// or postgresql:// connection URL, got 'mysql://x'",
    );
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '1' })).toThrow("DATABASE_POOL_SIZE must be an integer 2-500, got '1'");
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://x' })).toThrow('PUBLIC_URL must be an absolute http(s) URL');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'",
    );
  });

  it('reads the sign-in throttle settings, with Keycloak-like defaults', () => {
    expect(loadConfig({}).signInThrottle).toEqual({
      failuresBeforeWait: 5,
      waitIncrementSeconds: 60,
      maxWaitSeconds: 900,
      failureResetSeconds: 43200,
      accountCeiling: 100,
    });
    expect(loadConfig({ SIGN_IN_FAILURES_BEFORE_WAIT: '3', SIGN_IN_MAX_WAIT_SECONDS: '120' }).signInThrottle).toMatchObject({
      failuresBeforeWait: 3,
      maxWaitSeconds: 120,
    });
    expect(() => loadConfig({ SIGN_IN_FAILURE_RESET_SECONDS: '90000' })).toThrow(
      "SIGN_IN_FAILURE_RESET_SECONDS must be an integer number of seconds 1-86400, got '90000'",
    );
    expect(() => loadConfig({ SIGN_IN_ACCOUNT_CEILING: '0' })).toThrow("SIGN_IN_ACCOUNT_CEILING must be an integer 1-100000, got '0'");
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: '0', BODY_LIMIT_BYTES: 'lots' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message.split('\n')).toEqual([
        "PORT must be an integer 1-65535, got '0'",
        "BODY_LIMIT_BYTES must be an integer number of bytes between 1024 and 67108864, got 'lots'",
      ]);
    }
  });

  it('never echoes secrets in errors', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short-secret' })).toThrow(
      'ADMIN_TOKEN must be at least 32 characters, got a value that does not fit',
    );
    expect(() => loadConfig({ SECRETS_KEY: 'c2VjcmV0' })).not.toThrow(/c2VjcmV0/);
    expect(() => loadConfig({ SECRETS_KEY: 'c2VjcmV0' })).toThrow('SECRETS_KEY must be 32 random bytes in base64');
  });

  it('treats empty variables as unset and strips a trailing slash from PUBLIC_URL', () => {
    const config = loadConfig({ PORT: '', PUBLIC_URL: 'https://id.example.com/', SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('https://id.example.com');
    expect(config.secretsKey).toEqual(Buffer.alloc(32, 7));
  });
});
