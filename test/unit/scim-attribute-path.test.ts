// SCIM User attribute paths of consent purposes: parsing against the schema, reading and removing values.
import { describe, expect, it } from 'vitest';
import {
  normalisePiiCategories,
  parseAttributePath,
  readAttributeValues,
  removeAttributeValue,
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_USER_SCHEMA,
  type ScimUserResource,
} from '../../src/domain/index.js';

const parse = (p: string) => {
  const result = parseAttributePath(p);
  if (!result.ok) throw new Error(result.reason);
  return result.path;
};

describe('parsing attribute paths', () => {
  it('accepts core, sub-attribute, filtered and enterprise paths, written canonically', () => {
    expect(parse('displayname').canonical).toBe('displayName');
    expect(parse('name.givenname').canonical).toBe('name.givenName');
    expect(parse('emails[type eq "work"].value').canonical).toBe('emails[type eq "work"].value');
    expect(parse('phoneNumbers[primary eq true]').canonical).toBe('phoneNumbers[primary eq true]');
    expect(parse(`${SCIM_USER_SCHEMA}:nickName`).canonical).toBe('nickName');
    expect(parse(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager.displayName`).canonical).toBe(
      `${SCIM_ENTERPRISE_USER_SCHEMA}:manager.displayName`,
    );
  });

  it('refuses what the User schema does not have, saying why', () => {
    const reason = (p: string) => {
      const r = parseAttributePath(p);
      return r.ok ? null : r.reason;
    };
    expect(reason('shoeSize')).toContain("'shoeSize' is not an attribute of the SCIM User schema");
    expect(reason('name.nickname')).toContain('not a sub-attribute');
    expect(reason('displayName[type eq "x"]')).toContain('not multi-valued');
    expect(reason('emails[value co "x"]')).toContain('filters are supported');
    expect(reason(`${SCIM_ENTERPRISE_USER_SCHEMA}:userName`)).toContain('enterprise User schema');
    expect(reason('password')).not.toBeNull();
    expect(reason('')).not.toBeNull();
  });

  it('normalises PII categories and names bad ones by index', () => {
    const { categories, problems } = normalisePiiCategories([
      { claim: 'DisplayName', mandatory: false },
      { claim: 'shoeSize', mandatory: false },
      { claim: 'displayName', mandatory: true },
      { claim: 'userName', mandatory: false },
    ]);
    expect(categories[0]).toEqual({ claim: 'displayName', mandatory: false });
    expect(problems.map((p) => p.field)).toEqual(['piiCategories.1.claim', 'piiCategories.2.claim', 'piiCategories.3.claim']);
  });
});

describe('reading and removing values', () => {
  const user: ScimUserResource = {
    schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_USER_SCHEMA],
    userName: 'alice',
    name: { givenName: 'Alice', familyName: 'Liddell' },
    emails: [
      { value: 'a@work.example', type: 'work', primary: true, display: 'Work' },
      { value: 'a@home.example', type: 'home' },
    ],
    [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'Research', manager: { value: 'm1', displayName: 'Queen' } },
  };

  it('reads values for display', () => {
    expect(readAttributeValues(user, parse('emails'))).toEqual(['a@work.example (work)', 'a@home.example (home)']);
    expect(readAttributeValues(user, parse('emails[primary eq true].value'))).toEqual(['a@work.example']);
    expect(readAttributeValues(user, parse('name'))).toEqual(['Alice Liddell']);
    expect(readAttributeValues(user, parse('name.familyName'))).toEqual(['Liddell']);
    expect(readAttributeValues(user, parse(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager`))).toEqual(['Queen']);
    expect(readAttributeValues(user, parse('title'))).toEqual([]);
  });

  it('removes whole entries, sub-attributes, and empty containers, without touching the input', () => {
    expect(removeAttributeValue(user, parse('emails[type eq "work"].value')).emails).toEqual([{ value: 'a@home.example', type: 'home' }]);
    expect(removeAttributeValue(user, parse('emails[type eq "work"].display')).emails![0]).toEqual({
      value: 'a@work.example',
      type: 'work',
      primary: true,
    });
    expect(removeAttributeValue(user, parse('emails')).emails).toBeUndefined();
    expect(removeAttributeValue(user, parse('name.givenName')).name).toEqual({ familyName: 'Liddell' });
    const noName = removeAttributeValue(removeAttributeValue(user, parse('name.givenName')), parse('name.familyName'));
    expect(noName.name).toBeUndefined();
    const noDept = removeAttributeValue(user, parse(`${SCIM_ENTERPRISE_USER_SCHEMA}:department`));
    expect(noDept[SCIM_ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm1', displayName: 'Queen' } });
    const noExt = removeAttributeValue(noDept, parse(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager`));
    expect(noExt[SCIM_ENTERPRISE_USER_SCHEMA]).toBeUndefined();
    expect(noExt.schemas).toEqual([SCIM_USER_SCHEMA]);
    expect(user.emails).toHaveLength(2);
  });
});

describe('copying a value back and path coverage', () => {
  it('puts back what the existing user had at the path, or nothing', async () => {
    const { copyAttributeValue, pathCovers } = await import('../../src/domain/scim-attribute-path.js');
    const incoming: ScimUserResource = {
      schemas: [SCIM_USER_SCHEMA],
      userName: 'm',
      phoneNumbers: [
        { value: 'idp', type: 'mobile' },
        { value: 'w', type: 'work' },
      ],
      title: 'IdP title',
    };
    const before: ScimUserResource = { schemas: [SCIM_USER_SCHEMA], userName: 'm', phoneNumbers: [{ value: 'local', type: 'mobile' }] };
    expect(copyAttributeValue(incoming, before, parse('phoneNumbers[type eq "mobile"].value')).phoneNumbers).toEqual([
      { value: 'w', type: 'work' },
      { value: 'local', type: 'mobile' },
    ]);
    expect(copyAttributeValue(incoming, before, parse('title')).title).toBeUndefined();
    expect(copyAttributeValue(incoming, null, parse('phoneNumbers')).phoneNumbers).toBeUndefined();
    expect(copyAttributeValue(incoming, { ...before, title: 'Local' }, parse('title')).title).toBe('Local');
    const withDept = copyAttributeValue(
      { schemas: [SCIM_USER_SCHEMA], userName: 'm' },
      { schemas: [SCIM_USER_SCHEMA, SCIM_ENTERPRISE_USER_SCHEMA], userName: 'm', [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'D' } },
      parse(`${SCIM_ENTERPRISE_USER_SCHEMA}:department`),
    );
    expect(withDept[SCIM_ENTERPRISE_USER_SCHEMA]).toEqual({ department: 'D' });
    expect(withDept.schemas).toContain(SCIM_ENTERPRISE_USER_SCHEMA);
    expect(pathCovers(parse('phoneNumbers'), parse('phoneNumbers[type eq "mobile"].value'))).toBe(true);
    expect(pathCovers(parse('phoneNumbers[type eq "mobile"].value'), parse('phoneNumbers[type eq "MOBILE"]'))).toBe(true);
    expect(pathCovers(parse('phoneNumbers[type eq "mobile"]'), parse('phoneNumbers'))).toBe(false);
    expect(pathCovers(parse('name.givenName'), parse('name.familyName'))).toBe(false);
  });
});
