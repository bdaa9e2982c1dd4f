// SCIM paths of claim mappings: parse, read, write and remove.
import { describe, expect, it } from 'vitest';
import { SCIM_USER_SCHEMA, type ScimUserResource } from '../../src/domain/index.js';
import { getAtPath, parseScimPath, removeAtPath, setAtPath } from '../../src/provisioning/scim-path.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const blank = (): ScimUserResource => ({ schemas: [SCIM_USER_SCHEMA], userName: 'u' });

describe('parseScimPath', () => {
  it('parses core, sub-attribute, value filter and extension paths', () => {
    expect(parseScimPath('name.givenName')).toMatchObject({
      urn: null,
      attribute: 'name',
      subAttribute: 'givenName',
      key: 'name.givenName',
    });
    expect(parseScimPath('emails[type eq "work"].value')).toMatchObject({
      attribute: 'emails',
      filter: { attribute: 'type', value: 'work' },
      subAttribute: 'value',
    });
    expect(parseScimPath(`${ENTERPRISE}:manager.value`)).toMatchObject({ urn: ENTERPRISE, attribute: 'manager', subAttribute: 'value' });
    expect(parseScimPath(`${SCIM_USER_SCHEMA}:displayName`)).toMatchObject({ urn: null, attribute: 'displayName', key: 'displayName' });
    expect(() => parseScimPath('emails[value co "x"]')).toThrow(/unsupported/);
  });
});

describe('set / get / remove', () => {
  it('writes filtered multi-valued elements without disturbing the others', () => {
    const r = blank();
    r.emails = [{ type: 'home', value: 'h@x.org' }];
    const work = parseScimPath('emails[type eq "work"].value');
    setAtPath(r, work, 'w@x.org');
    expect(r.emails).toEqual([
      { type: 'home', value: 'h@x.org' },
      { type: 'work', value: 'w@x.org' },
    ]);
    expect(getAtPath(r, work)).toBe('w@x.org');
    removeAtPath(r, work);
    expect(r.emails).toEqual([{ type: 'home', value: 'h@x.org' }]);
  });

  it('adds and removes the extension schema with its attributes', () => {
    const r = blank();
    const dept = parseScimPath(`${ENTERPRISE}:department`);
    setAtPath(r, dept, 'R&D');
    expect(r.schemas).toEqual([SCIM_USER_SCHEMA, ENTERPRISE]);
    expect(r[ENTERPRISE]).toEqual({ department: 'R&D' });
    removeAtPath(r, dept);
    expect(r.schemas).toEqual([SCIM_USER_SCHEMA]);
    expect(r[ENTERPRISE]).toBeUndefined();
  });

  it('a whole multi-valued attribute takes a list of values', () => {
    const r = blank();
    setAtPath(r, parseScimPath('emails'), ['a@x.org', 'b@x.org']);
    expect(r.emails).toEqual([{ value: 'a@x.org' }, { value: 'b@x.org' }]);
    expect(getAtPath(r, parseScimPath('emails.value'))).toBe('a@x.org');
  });

  it('complex single-valued sub-attributes', () => {
    const r = blank();
    setAtPath(r, parseScimPath('name.familyName'), 'Doe');
    setAtPath(r, parseScimPath('name.givenName'), 'Jo');
    removeAtPath(r, parseScimPath('name.familyName'));
    expect(r.name).toEqual({ givenName: 'Jo' });
    removeAtPath(r, parseScimPath('name.givenName'));
    expect(r.name).toBeUndefined();
  });
});
