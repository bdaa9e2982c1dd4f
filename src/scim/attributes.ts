// Attribute paths resolved against the schemas (RFC 7643 §2, RFC 7644 §3.10): filters become the typed
// tree the store compiles, sortBy becomes a sort key, and attributes/excludedAttributes shape responses.
import { AppError } from '../domain/index.js';
import type { ScimAttr, ScimAttrType, ScimFilter } from '../store/index.js';
import type { RawFilter, RawPath } from './filter-parser.js';
import { coreSchemaId, definitionOf, isSchemaDef, type AttributeDef, type ResourceKind, type SchemaDef } from './schemas.js';

interface Resolved {
  /** Canonical JSON path of the top attribute: ['name'] or [urn, 'manager']. */
  base: string[];
  def: AttributeDef;
  /** The sub-attribute, when the path named one. */
  sub?: AttributeDef;
}

const find = (list: Array<AttributeDef | SchemaDef> | AttributeDef[] | undefined, name: string) =>
  (list ?? []).find((a): a is AttributeDef => !isSchemaDef(a) && a.name.toLowerCase() === name.toLowerCase());

/** Resolves `name.familyName` or `urn:…:User:manager.value` to its definition; throws with `code` when unknown. */
export function resolvePath(kind: ResourceKind, path: RawPath, code: string): Resolved {
  const definition = definitionOf(kind);
  let scope: Array<AttributeDef | SchemaDef> = definition.attributes;
  let prefix: string[] = [];
  const written = `${path.urn ? `${path.urn}:` : ''}${path.names.join('.')}`;
  if (path.urn && path.urn.toLowerCase() !== coreSchemaId(kind).toLowerCase()) {
    const extension = definition.attributes.find((a): a is SchemaDef => isSchemaDef(a) && a.id.toLowerCase() === path.urn!.toLowerCase());
    if (!extension) throw new AppError('invalid_input', code, `Unknown schema '${path.urn}' in '${written}'`);
    scope = extension.attributes;
    prefix = [extension.id];
  }
  const [top, subName, ...rest] = path.names;
  const def = find(scope, top ?? '');
  if (!def || rest.length) throw new AppError('invalid_input', code, `Unknown attribute '${written}'`);
  if (subName === undefined) return { base: [...prefix, def.name], def };
  const sub = find(def.subAttributes, subName);
  if (!sub) throw new AppError('invalid_input', code, `Unknown attribute '${written}'`);
  return { base: [...prefix, def.name], def, sub };
}

const attrOf = (path: string[], def: AttributeDef): ScimAttr => ({
  path,
  type: def.type as ScimAttrType,
  caseExact: def.config.caseExact === true,
  multiValued: def.config.multiValued === true,
});

/** Turns a parsed filter into the store's typed tree; unknown attributes are `invalidFilter`. */
export function resolveFilter(kind: ResourceKind, raw: RawFilter): ScimFilter {
  switch (raw.op) {
    case 'and':
    case 'or':
      return { op: raw.op, left: resolveFilter(kind, raw.left), right: resolveFilter(kind, raw.right) };
    case 'not':
      return { op: 'not', expr: resolveFilter(kind, raw.expr) };
    case 'valuePath': {
      const { base, def, sub } = resolvePath(kind, raw.path, 'invalidFilter');
      if (sub || !def.config.multiValued || def.type !== 'complex')
        throw new AppError('invalid_input', 'invalidFilter', `'${base.join('.')}' is not a multi-valued complex attribute`);
      return { op: 'any', array: base, filter: resolveElement(def, raw.filter) };
    }
    default: {
      const { base, def, sub } = resolvePath(kind, raw.path, 'invalidFilter');
      if (def.config.multiValued) {
        // `emails.type eq "work"`: some element matches; `emails co "x"` compares the elements' values.
        if (raw.op === 'pr' && !sub) return { op: 'pr', attr: attrOf(base, def) };
        const subDef = sub ?? (def.type === 'complex' ? find(def.subAttributes, 'value') : def);
        if (!subDef) throw new AppError('invalid_input', 'invalidFilter', `Name a sub-attribute of '${base.join('.')}'`);
        const inner = attrOf(def.type === 'complex' ? [subDef.name] : [], subDef);
        return {
          op: 'any',
          array: base,
          filter: raw.op === 'pr' ? { op: 'pr', attr: inner } : { op: raw.op, attr: inner, value: raw.value },
        };
      }
      const attr = sub ? attrOf([...base, sub.name], sub) : attrOf(base, def);
      if (raw.op === 'pr') return { op: 'pr', attr };
      if (attr.type === 'complex') throw new AppError('invalid_input', 'invalidFilter', `Name a sub-attribute of '${base.join('.')}'`);
      return { op: raw.op, attr, value: raw.value };
    }
  }
}

/** Inside `emails[...]`: paths name sub-attributes of one element. */
function resolveElement(parent: AttributeDef, raw: RawFilter): ScimFilter {
  switch (raw.op) {
    case 'and':
    case 'or':
      return { op: raw.op, left: resolveElement(parent, raw.left), right: resolveElement(parent, raw.right) };
    case 'not':
      return { op: 'not', expr: resolveElement(parent, raw.expr) };
    case 'valuePath':
      throw new AppError('invalid_input', 'invalidFilter', 'Value filters cannot be nested');
    default: {
      const sub = raw.path.urn || raw.path.names.length !== 1 ? undefined : find(parent.subAttributes, raw.path.names[0]!);
      if (!sub)
        throw new AppError('invalid_input', 'invalidFilter', `'${raw.path.names.join('.')}' is not a sub-attribute of '${parent.name}'`);
      const attr = attrOf([sub.name], sub);
      return raw.op === 'pr' ? { op: 'pr', attr } : { op: raw.op, attr, value: raw.value };
    }
  }
}

/** The sortBy attribute (RFC 7644 §3.4.2.3); unknown → 400 invalidValue. */
export function resolveSortBy(kind: ResourceKind, sortBy: string): ScimAttr {
  const raw = parseAttributeName(sortBy, 'invalidValue');
  const { base, def, sub } = resolvePath(kind, raw, 'invalidValue');
  if (sub) return { ...attrOf([...base, sub.name], sub), multiValued: def.config.multiValued === true };
  return attrOf(base, def);
}

/** `name.familyName` or `urn:…:User:employeeNumber` as a path. */
export function parseAttributeName(text: string, code: string): RawPath {
  const value = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9_$:.-]*$/.test(value)) throw new AppError('invalid_input', code, `'${text}' is not an attribute path`);
  if (value.toLowerCase().startsWith('urn:')) {
    const cut = value.lastIndexOf(':');
    return { urn: value.slice(0, cut), names: value.slice(cut + 1).split('.') };
  }
  return { names: value.split('.') };
}

/** Canonical dotted names (`name.familyName`, `urn:…:User:manager.value`) for attributes/excludedAttributes. */
export function resolveAttributeList(kind: ResourceKind, list: string | undefined): string[][] | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  return list.split(',').map((item) => {
    const { base, sub } = resolvePath(kind, parseAttributeName(item, 'invalidValue'), 'invalidValue');
    return sub ? [...base, sub.name] : base;
  });
}
