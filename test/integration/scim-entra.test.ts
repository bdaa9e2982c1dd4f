// Plays Microsoft Entra ID's provisioning request shapes ("Tutorial: Develop and plan provisioning for a
// SCIM endpoint"), quirks included: capitalised ops ("Replace", "Add", "Remove"), booleans as "False"
// strings, enterprise extension paths, member removal by value list, and PATCH with empty Operations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScimClient,
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  PATCH_SCHEMA,
  USER_SCHEMA,
  type ScimTestClient,
} from '../support/scim-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let entra: ScimTestClient;
beforeAll(async () => {
  server = await startTestServer({ label: 'scim_entra' });
  entra = await createScimClient(server, { name: 'Microsoft Entra ID' });
});
afterAll(async () => server?.stop());

const entraUser = {
  schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
  active: true,
  displayName: 'Test User',
  emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
  [ENTERPRISE_SCHEMA]: { employeeNumber: '42', department: 'Sales', manager: { value: 'mgr-1' } },
};
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations });

describe('Entra ID user provisioning', () => {
  let id: string;

  it('queries by userName and externalId, then creates the user with the enterprise extension', async () => {
    const none = await entra.json('GET', `/Users?filter=${encodeURIComponent(`userName eq "${entraUser.userName}"`)}`);
    expect(none.body.totalResults).toBe(0);
    const created = await entra.json('POST', '/Users', entraUser);
    expect(created.status).toBe(201);
    id = created.body.id;
    expect(created.body[ENTERPRISE_SCHEMA]).toEqual({ employeeNumber: '42', department: 'Sales', manager: { value: 'mgr-1' } });
    const byExternal = await entra.json('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${entraUser.externalId}"`)}`);
    expect(byExternal.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
  });

  it('accepts "Replace"/"Add" and "False" strings, value-filtered and extension paths', async () => {
    const response = await entra.json(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'updated@testuser.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Marketing' },
        { op: 'Replace', path: 'displayName', value: 'Updated User' },
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      active: false,
      displayName: 'Updated User',
      emails: [{ primary: true, type: 'work', value: 'updated@testuser.com' }],
      name: { familyName: 'updatedFamilyName' },
      [ENTERPRISE_SCHEMA]: { department: 'Marketing', employeeNumber: '42' },
    });
    // The indexed columns follow the patch.
    const byEmail = await entra.json('GET', `/Users?filter=${encodeURIComponent('emails.value eq "UPDATED@testuser.com"')}`);
    expect(byEmail.body.totalResults).toBe(1);
    const byFamily = await entra.json('GET', `/Users?filter=${encodeURIComponent('name.familyName eq "updatedfamilyname"')}`);
    expect(byFamily.body.totalResults).toBe(1);
  });

  it('removes an attribute and a manager by path', async () => {
    const response = await entra.json(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Remove', path: `${ENTERPRISE_SCHEMA}:manager` }, { op: 'remove', path: 'name.formatted' }),
    );
    expect(response.status).toBe(200);
    expect(response.body[ENTERPRISE_SCHEMA].manager).toBeUndefined();
    expect(response.body.name.formatted).toBeUndefined();
  });

  it('answers a PATCH with empty Operations with the unchanged user', async () => {
    const before = await entra.json('GET', `/Users/${id}`);
    const response = await entra.json('PATCH', `/Users/${id}`, patch());
    expect(response.status).toBe(200);
    expect(response.body.meta.version).toBe(before.body.meta.version);
  });

  it('refuses a PATCH path that does not exist with 400 invalidPath, writing nothing', async () => {
    const before = await entra.json('GET', `/Users/${id}`);
    const response = await entra.json(
      'PATCH',
      `/Users/${id}`,
      patch({ op: 'Replace', path: 'displayName', value: 'Nope' }, { op: 'Replace', path: 'shoeSize', value: '42' }),
    );
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidPath');
    const after = await entra.json('GET', `/Users/${id}`);
    expect(after.body).toEqual(before.body);
  });

  it('deletes the user', async () => {
    expect((await entra.call('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await entra.call('GET', `/Users/${id}`)).status).toBe(404);
  });
});

describe('Entra ID group provisioning', () => {
  it('creates a group, adds and removes members with "Add"/"Remove" value lists, queries without members', async () => {
    const u1 = (await entra.json('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'entra.one' })).body.id;
    const u2 = (await entra.json('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'entra.two' })).body.id;
    const created = await entra.json('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    const gid = created.body.id;
    const add = await entra.call('PATCH', `/Groups/${gid}`, patch({ op: 'Add', path: 'members', value: [{ value: u1 }, { value: u2 }] }));
    expect(add.status).toBe(204);
    const listed = await entra.json(
      'GET',
      `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Group1DisplayName"')}`,
    );
    expect(listed.body.Resources).toHaveLength(1);
    expect(listed.body.Resources[0].members).toBeUndefined();
    const byMember = await entra.json(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members[value eq "${u2}"]`)}&excludedAttributes=members`,
    );
    expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([gid]);
    const remove = await entra.call('PATCH', `/Groups/${gid}`, patch({ op: 'Remove', path: 'members', value: [{ value: u1 }] }));
    expect(remove.status).toBe(204);
    const group = await entra.json('GET', `/Groups/${gid}`);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([u2]);
    const renamed = await entra.json(
      'PATCH',
      `/Groups/${gid}?attributes=displayName`,
      patch({ op: 'Replace', path: 'displayName', value: 'Group1 renamed' }),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ schemas: [GROUP_SCHEMA], id: gid, displayName: 'Group1 renamed' });
  });
});
