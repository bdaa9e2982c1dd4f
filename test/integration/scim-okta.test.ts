// Plays Okta's SCIM 2.0 provisioning request shapes (Okta's "SCIM 2.0 protocol reference"): find by
// userName, create with password, read, replace, deactivate by PATCH without path, group push.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScimClient, GROUP_SCHEMA, PATCH_SCHEMA, USER_SCHEMA, type ScimTestClient } from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let okta: ScimTestClient;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_okta' });
  okta = await createScimClient(server, { name: 'Okta' });
});
afterAll(async () => server?.stop());

const oktaUser = (userName: string, active = true) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: 'Okta-1mz050nq-w7',
  active,
});

describe('Okta user lifecycle', () => {
  let id: string;

  it('checks that the user does not exist, then creates it (201, Location, ETag)', async () => {
    const lookup = await okta.json(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
    );
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
    const created = await okta.json('POST', '/Users', oktaUser('test.user@okta.local'));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/scim+json');
    id = created.body.id;
    expect(created.headers.get('location')).toBe(`${server.url}/scim/v2/Users/${id}`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body).toMatchObject({
      userName: 'test.user@okta.local',
      active: true,
      meta: { resourceType: 'User', version: 'W/"1"', location: `${server.url}/scim/v2/Users/${id}` },
    });
    expect(created.body.password).toBeUndefined();
  });

  it('refuses the same userName again, in any case, with 409 uniqueness', async () => {
    const again = await okta.json('POST', '/Users', oktaUser('TEST.USER@okta.local'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('reads, finds and replaces the user (PUT)', async () => {
    const read = await okta.json('GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    const found = await okta.json(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
    );
    expect(found.body.totalResults).toBe(1);
    const replaced = await okta.json('PUT', `/Users/${id}`, {
      ...oktaUser('test.user@okta.local'),
      id,
      name: { givenName: 'Another', familyName: 'User' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toEqual({ givenName: 'Another', familyName: 'User' });
    expect(replaced.body.meta.version).toBe('W/"2"');
  });

  it('deactivates with a PATCH that has no path, and reactivates', async () => {
    const off = await okta.json('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const inactive = await okta.json('GET', `/Users?filter=${encodeURIComponent('active eq false')}`);
    expect(inactive.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    const on = await okta.json('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', value: { active: true } }],
    });
    expect(on.body.active).toBe(true);
  });
});

describe('Okta group push', () => {
  it('creates a group, renames it, adds and removes members, deletes it', async () => {
    const a = (await okta.json('POST', '/Users', oktaUser('member.a@okta.local'))).body.id;
    const b = (await okta.json('POST', '/Users', oktaUser('member.b@okta.local'))).body.id;
    const missing = await okta.json('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
    expect(missing.body.totalResults).toBe(0);
    const created = await okta.json('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] });
    expect(created.status).toBe(201);
    const gid = created.body.id;
    expect(created.body.members).toEqual([]);

    const renamed = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', value: { id: gid, displayName: 'Test SCIMv2 renamed' } }],
    });
    expect(renamed.status).toBe(204);
    expect(renamed.headers.get('etag')).toBe('W/"2"');

    const added = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        {
          op: 'add',
          path: 'members',
          value: [
            { value: a, display: 'a' },
            { value: b, display: 'b' },
          ],
        },
      ],
    });
    expect(added.status).toBe(204);
    let group = await okta.json('GET', `/Groups/${gid}`);
    expect(group.body.displayName).toBe('Test SCIMv2 renamed');
    expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort());
    expect(group.body.members[0]).toMatchObject({ type: 'User', display: 'Test User' });

    const removed = await okta.call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${a}"]` }],
    });
    expect(removed.status).toBe(204);
    group = await okta.json('GET', `/Groups/${gid}?attributes=members`);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([b]);
    const user = await okta.json('GET', `/Users/${b}`);
    expect(user.body.groups).toEqual([
      { value: gid, $ref: `${server.url}/scim/v2/Groups/${gid}`, display: 'Test SCIMv2 renamed', type: 'direct' },
    ]);

    expect((await okta.call('DELETE', `/Groups/${gid}`)).status).toBe(204);
    expect((await okta.json('GET', `/Groups/${gid}`)).status).toBe(404);
    expect((await okta.call('DELETE', `/Users/${a}`)).status).toBe(204);
    expect((await okta.json('GET', `/Users/${a}`)).body).toMatchObject({ status: '404' });
  });
});
