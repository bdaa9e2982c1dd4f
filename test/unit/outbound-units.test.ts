// Units of outbound provisioning that need no database: the settled-id clock, backoff, Retry-After,
// the resource sent downstream.
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from '../../src/outbound/backoff.js';
import { outboxTypesFor } from '../../src/outbound/index.js';
import { memberIds, toRemoteUser } from '../../src/outbound/mapping.js';
import { OutboxClock } from '../../src/outbound/outbox-clock.js';

describe('OutboxClock', () => {
  it('settles an id only once every transaction that could hold it has finished', () => {
    const clock = new OutboxClock();
    expect(clock.wantsMark(null)).toBe(true);
    // Ids up to 10 handed out; transaction 103 taken after reading them; 100 is still running.
    expect(clock.observe({ xmin: 100n, lastId: 10, after: 103n })).toBe(0);
    expect(clock.wantsMark(10)).toBe(false);
    expect(clock.wantsMark(14)).toBe(true);
    expect(clock.observe({ xmin: 100n, lastId: 14, after: 105n })).toBe(0);
    // Everything below 103 finished: the first mark settles (10), not the second (105 not reached).
    expect(clock.observe({ xmin: 103n, lastId: 15, after: null })).toBe(10);
    expect(clock.observe({ xmin: 106n, lastId: 15, after: null })).toBe(14);
    // Never goes down.
    expect(clock.observe({ xmin: 107n, lastId: 12, after: 108n })).toBe(14);
  });
});

describe('retry timing', () => {
  it('doubles from the base up to the cap, jittered between half and all of it', () => {
    expect(backoffDelayMs(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelayMs(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelayMs(30, 100, 10_000, () => 1)).toBe(10_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('the resource sent downstream', () => {
  const local = {
    id: 'local-id',
    meta: { version: 'W/"3"' },
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    userName: 'alice',
    password: 'never',
    groups: [{ value: 'g' }],
    name: { givenName: 'Alice', familyName: 'Liddell' },
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42' },
  };

  it('sends everything but local-only attributes, with externalId = the local id', () => {
    const out = toRemoteUser('local-id', local, null);
    expect(out).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      userName: 'alice',
      name: { givenName: 'Alice', familyName: 'Liddell' },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '42' },
      externalId: 'local-id',
    });
  });

  it('sends only mapped attributes when a mapping is set', () => {
    const out = toRemoteUser('local-id', local, [
      { local: 'name.familyName', remote: 'displayName' },
      { local: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', remote: 'title' },
    ]);
    expect(out).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'alice',
      displayName: 'Liddell',
      title: '42',
      externalId: 'local-id',
    });
  });

  it('reads group member ids in the shapes the outbox carries', () => {
    expect(memberIds({ members: ['a', { value: 'b' }] })).toEqual(['a', 'b']);
    expect(memberIds(null)).toEqual([]);
    expect(outboxTypesFor(['create', 'group'])).toContain('group.member_add');
  });
});
