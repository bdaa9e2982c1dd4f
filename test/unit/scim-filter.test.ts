// The SCIM filter parser (precedence, value paths, literals, limits), its resolution against the schemas,
// and the changed-attribute helper used for provenance.
import { describe, expect, it } from 'vitest';
import { changedAttributePaths } from '../../src/domain/index.js';
import { resolveFilter } from '../../src/scim/attributes.js';
import { parseFilter } from '../../src/scim/filter-parser.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('parseFilter', () => {
  it('binds and tighter than or, and not to its parenthesised group', () => {
    expect(parseFilter('a eq "1" or b eq "2" and c pr')).toEqual({
      op: 'or',
      left: { op: 'eq', path: { names: ['a'] }, value: '1' },
      right: { op: 'and', left: { op: 'eq', path: { names: ['b'] }, value: '2' }, right: { op: 'pr', path: { names: ['c'] } } },
    });
    expect(parseFilter('not (a eq "1" or b eq "2")')).toMatchObject({ op: 'not', expr: { op: 'or' } });
  });

  it('parses value paths, URN-qualified paths and JSON literals', () => {
    expect(parseFilter('emails[type eq "work" and value co "@x"]')).toMatchObject({
      op: 'valuePath',
      path: { names: ['emails'] },
      filter: { op: 'and' },
    });
    expect(parseFilter(`${ENT}:manager.value eq "m"`)).toEqual({ op: 'eq', path: { urn: ENT, names: ['manager', 'value'] }, value: 'm' });
    expect(parseFilter('a eq "q\\"uote"')).toMatchObject({ value: 'q"uote' });
    expect(parseFilter('a gt -1.5e3')).toMatchObject({ value: -1500 });
    expect(parseFilter('a eq TRUE')).toMatchObject({ value: true });
    expect(parseFilter('a eq null')).toMatchObject({ value: null });
  });

  it.each([
    '',
    'a eq',
    'a eq "x" and',
    '(a eq "x"',
    'a eq "x")',
    'a[b eq "1"',
    'a[b[c eq "1"]]',
    'a eq x',
    '1a eq "x"',
    'a zz "x"',
    '"x" eq a',
  ])('refuses %j', (input) => {
    expect(() => parseFilter(input)).toThrow(expect.objectContaining({ code: 'invalidFilter', status: 400 }));
  });

  it('refuses filters past the length and nesting limits', () => {
    expect(() => parseFilter('a eq "x" or '.repeat(400) + 'a pr')).toThrow(expect.objectContaining({ code: 'invalidFilter' }));
    expect(() => parseFilter('('.repeat(40) + 'a pr' + ')'.repeat(40))).toThrow(expect.objectContaining({ code: 'invalidFilter' }));
  });
});

describe('resolveFilter', () => {
  it('resolves names case-insensitively to canonical paths with their case-exactness', () => {
    expect(resolveFilter('User', parseFilter('USERNAME eq "a"'))).toEqual({
      op: 'eq',
      attr: { path: ['userName'], type: 'string', caseExact: false, multiValued: false },
      value: 'a',
    });
    expect(resolveFilter('User', parseFilter('externalId eq "a"'))).toMatchObject({ attr: { path: ['externalId'], caseExact: true } });
    expect(resolveFilter('User', parseFilter(`${ENT}:employeeNumber eq "1"`))).toMatchObject({ attr: { path: [ENT, 'employeeNumber'] } });
  });

  it('turns multi-valued sub-attribute filters into "some element" conditions', () => {
    expect(resolveFilter('User', parseFilter('emails.type eq "work"'))).toMatchObject({
      op: 'any',
      array: ['emails'],
      filter: { op: 'eq', attr: { path: ['type'] } },
    });
    expect(resolveFilter('User', parseFilter('emails co "x"'))).toMatchObject({
      op: 'any',
      array: ['emails'],
      filter: { op: 'co', attr: { path: ['value'] } },
    });
    expect(resolveFilter('Group', parseFilter('members[value eq "x"]'))).toMatchObject({ op: 'any', array: ['members'] });
  });

  it('refuses unknown attributes and comparisons of complex attributes', () => {
    expect(() => resolveFilter('User', parseFilter('shoeSize eq "1"'))).toThrow(expect.objectContaining({ code: 'invalidFilter' }));
    expect(() => resolveFilter('User', parseFilter('name eq "x"'))).toThrow(expect.objectContaining({ code: 'invalidFilter' }));
    expect(() => resolveFilter('User', parseFilter('emails[shoe eq "x"]'))).toThrow(expect.objectContaining({ code: 'invalidFilter' }));
  });
});

describe('changedAttributePaths', () => {
  it('names changed top-level attributes, extension attributes with their URN', () => {
    const before = { schemas: ['x'], userName: 'a', name: { givenName: 'A' }, [ENT]: { department: 'S', employeeNumber: '1' } };
    const after = { schemas: ['y'], userName: 'a', name: { givenName: 'B' }, title: 'T', [ENT]: { department: 'M', employeeNumber: '1' } };
    expect(changedAttributePaths(before, after)).toEqual(['name', 'title', `${ENT}:department`]);
    expect(changedAttributePaths(null, { schemas: [], userName: 'x' })).toEqual(['userName']);
    expect(changedAttributePaths({ emails: [{ value: 'a', type: 'w' }] }, { emails: [{ type: 'w', value: 'a' }] })).toEqual([]);
  });
});
