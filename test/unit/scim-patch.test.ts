// PATCH as RFC 7644 §3.5.2.3 says for a replace without a path: multi-valued attributes in the value replace all
// their values (scimmy on its own appends them), complex ones merge their sub-attributes.
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/scim/patch.js';

const ID = '6f1c0c7e-52b5-4a37-9d36-0d3c3ac1f0aa';
const stored = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'dana',
  name: { givenName: 'Dana', familyName: 'Scully' },
  emails: [{ type: 'work', value: 'dana@example.com', primary: true }],
  phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
};

describe('PATCH replace without a path', () => {
  it('replaces every value of a multi-valued attribute instead of adding to them', async () => {
    const same = await applyPatch('User', ID, stored, [
      { op: 'replace', value: { emails: [{ type: 'work', value: 'dana@example.com', primary: true }], externalId: 'x-1' } },
    ]);
    expect(same.emails).toEqual([{ type: 'work', value: 'dana@example.com', primary: true }]);
    expect(same.externalId).toBe('x-1');
    const other = await applyPatch('User', ID, stored, [{ op: 'replace', value: { emails: [{ type: 'home', value: 'd@example.org' }] } }]);
    expect(other.emails).toEqual([{ type: 'home', value: 'd@example.org' }]);
    expect(other.phoneNumbers).toEqual(stored.phoneNumbers);
  });

  it('merges the sub-attributes of a complex attribute, leaving the others', async () => {
    const patched = await applyPatch('User', ID, stored, [{ op: 'replace', value: { name: { givenName: 'Dee' } } }]);
    expect(patched.name).toEqual({ givenName: 'Dee', familyName: 'Scully' });
    expect(patched.emails).toEqual(stored.emails);
  });
});
