// LOG_FORMAT=pretty turns pino's JSON lines into short readable ones; the JSON default is unchanged. Start failures
// are described in one line, the database URL's password masked.
import { describe, expect, it } from 'vitest';
import { prettyLine } from '../../src/observability/index.js';
import { describeStartFailure, maskDatabaseUrl } from '../../src/start-failure.js';
import { loadConfig } from '../../src/config/index.js';

describe('LOG_FORMAT', () => {
  it('defaults to json; pretty is accepted; anything else is refused', () => {
    expect(loadConfig({}).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow("LOG_FORMAT must be 'json' or 'pretty', got 'xml'");
  });

  it('pretty: time, level, message, then the fields', () => {
    const time = Date.UTC(2026, 11, 3, 12, 0, 1, 234);
    const line = JSON.stringify({
      level: 30,
      time,
      service: 'jitbridge',
      requestId: 'r-12345678',
      method: 'GET',
      route: '/readyz',
      status: 200,
      msg: 'request',
    });
    expect(prettyLine(line)).toBe('12:00:01.234 INFO  request requestId=r-12345678 method=GET route=/readyz status=200\n');
    expect(prettyLine(JSON.stringify({ level: 50, time, msg: 'failed', err: { message: 'a b' } }))).toBe(
      '12:00:01.234 ERROR failed err={"message":"a b"}\n',
    );
    expect(prettyLine('not json')).toBe('not json\n');
  });
});

describe('start failures', () => {
  const config = loadConfig({ DATABASE_URL: 'postgres://jb:hunter2@db.example.com:6543/jitbridge' });
  const failure = (code: string, message = 'x') => describeStartFailure(Object.assign(new Error(message), { code }), config);

  it('masks the password and keeps the rest of the URL', () => {
    expect(maskDatabaseUrl('postgres://jb:hunter2@db:5432/jitbridge')).toBe('postgres://jb:***@db:5432/jitbridge');
    expect(maskDatabaseUrl('postgres://jb@db/jitbridge')).toBe('postgres://jb@db/jitbridge');
  });

  it('names DATABASE_URL and what to do, for each kind of database failure', () => {
    const shown = 'DATABASE_URL=postgres://jb:***@db.example.com:6543/jitbridge';
    expect(failure('3D000').message).toBe(
      `the database 'jitbridge' does not exist (${shown}); create it (createdb jitbridge) or point DATABASE_URL at one that does`,
    );
    expect(failure('28P01', 'password authentication failed for user "jb"').message).toBe(
      `PostgreSQL refused the credentials (${shown}): password authentication failed for user "jb"; check the user and password in DATABASE_URL`,
    );
    expect(failure('ECONNREFUSED').message).toContain('nothing accepts connections at db.example.com:6543');
    expect(failure('ETIMEDOUT').message).toContain('cannot be reached');
    for (const code of ['3D000', '28P01', '28000', 'ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'CONNECT_TIMEOUT']) {
      expect(failure(code).message).not.toContain('hunter2');
      expect(failure(code).exitCode).toBe(1);
    }
  });

  it('an unknown error: its first line and where to look', () => {
    expect(describeStartFailure(new Error('boom\nmore'), null)).toEqual({
      message: 'boom; run with LOG_LEVEL=debug for the details',
      exitCode: 1,
    });
  });
});
