import { describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA, type Provenance, type ScimUserResource } from '../../src/domain/index.js';
import { verifiedEmails } from '../../src/provisioning/index.js';

const WORK = 'emails[type eq "work"].value';
const user = (emails: Array<Record<string, unknown>>): ScimUserResource => ({ schemas: [SCIM_USER_SCHEMA], userName: 'a', emails });
const idp = (at: string, emailVerified: boolean) => ({ source: 'idp' as const, sourceId: 'idp-1', at, emailVerified });
const scim = (at: string) => ({ source: 'scim' as const, sourceId: 'client-1', at });

describe('verifiedEmails', () => {
  it('names the addresses at the path an IdP vouched for', () => {
    const resource = user([
      { type: 'work', value: 'A@Example.com' },
      { type: 'home', value: 'home@example.com' },
    ]);
    expect([...verifiedEmails(resource, { [WORK]: idp('2026-01-01T00:00:00.000Z', true) })]).toEqual(['a@example.com']);
    expect([...verifiedEmails(resource, { [WORK]: idp('2026-01-01T00:00:00.000Z', false) })]).toEqual([]);
    expect([...verifiedEmails(resource, {})]).toEqual([]);
  });

  it('counts nothing an IdP vouched for before a later write to emails by anyone else', () => {
    const resource = user([{ type: 'work', value: 'a@example.com' }]);
    const provenance: Provenance = { [WORK]: idp('2026-01-01T00:00:00.000Z', true), emails: scim('2026-01-02T00:00:00.000Z') };
    expect(verifiedEmails(resource, provenance).size).toBe(0);
  });

  it('after a local write, the IdP vouches again only for its own path, not for an address a SCIM client added', () => {
    const resource = user([
      { value: 'local@example.com', primary: true },
      { type: 'work', value: 'a@example.com' },
    ]);
    const provenance: Provenance = { emails: scim('2026-01-01T00:00:00.000Z'), [WORK]: idp('2026-01-02T00:00:00.000Z', true) };
    expect([...verifiedEmails(resource, provenance)]).toEqual(['a@example.com']);
  });
});
