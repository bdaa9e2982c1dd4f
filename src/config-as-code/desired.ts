// The file as the desired state: its sections and entries, each entry's key, its secrets (taken out of it, as
// references) and its references to other resources. What can be told from the file alone is checked here: the
// sections, the keys and their uniqueness, secrets given as references and only in secret fields. Everything
// else about a value is the admin API's to judge, when the plan sends it.
import { SchemaModel, getAt, matchPaths, setAt } from './schema-walk.js';
import { SECTION_NAMES, type SectionName } from './schema.js';
import { looksLikeReference, parseSecretReference, type SecretReference } from './secret-references.js';
import { applicationIdentity, SECTIONS, type Section } from './sections.js';
import { ConfigFileError } from './errors.js';
import type { FilePath, ParsedFile } from './source.js';
import type { ConfigProblem } from './types.js';

export interface DesiredSecret {
  /** Inside the entry. */
  path: Array<string | number>;
  reference: SecretReference;
  /** Filled in by resolveSecrets. */
  value?: string;
}

export interface DesiredEntry {
  section: Section;
  index: number;
  key: string;
  normalizedKey: string;
  /** The entry without its secrets. */
  entry: Record<string, unknown>;
  secrets: DesiredSecret[];
  /** Where it is in the file. */
  filePath: FilePath;
}

export interface DesiredState {
  /** Absent: the file does not manage settings. */
  settings?: Record<string, unknown>;
  /** Only the sections the file has (an empty list is a section it has). */
  sections: Partial<Record<SectionName, DesiredEntry[]>>;
}

const TOP_LEVEL = new Set(['$schema', 'settings', ...SECTION_NAMES]);

const isObject = (value: unknown): value is Record<string, unknown> => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

export function readDesired(file: ParsedFile, model: SchemaModel): DesiredState {
  const problems: ConfigProblem[] = [];
  const root = file.value ?? {};
  if (!isObject(root)) throw new ConfigFileError(file.name, [file.problem([], 'the file must hold a mapping of sections')]);

  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.has(key)) problems.push(file.problem([key], `unknown section (known: settings, ${SECTION_NAMES.join(', ')})`));
  }
  if (root.$schema !== undefined && typeof root.$schema !== 'string') problems.push(file.problem(['$schema'], 'must be a string'));

  const desired: DesiredState = { sections: {} };
  if (root.settings !== undefined) {
    if (!isObject(root.settings)) problems.push(file.problem(['settings'], 'must be a mapping'));
    else {
      checkNoReferences(file, root.settings, ['settings'], problems);
      desired.settings = root.settings;
    }
  }

  for (const section of SECTIONS) {
    const list = root[section.name];
    if (list === undefined) continue;
    if (list === null) {
      desired.sections[section.name] = [];
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(file.problem([section.name], `must be a list of ${section.label}s`));
      continue;
    }
    desired.sections[section.name] = readSection(file, model, section, list, problems);
  }
  if (problems.length > 0) throw new ConfigFileError(file.name, problems);
  return desired;
}

function readSection(file: ParsedFile, model: SchemaModel, section: Section, list: unknown[], problems: ConfigProblem[]): DesiredEntry[] {
  const schema = model.entrySchema(section.name);
  const secretPatterns = model.secretPaths(schema);
  const seen = new Map<string, number>();
  const seenIdentities = new Map<string, number>();
  const entries: DesiredEntry[] = [];
  list.forEach((raw, index) => {
    const filePath: FilePath = [section.name, index];
    if (!isObject(raw)) {
      problems.push(file.problem(filePath, `must be a mapping (a ${section.label})`));
      return;
    }
    const key = raw[section.keyField];
    if (typeof key !== 'string' || key.trim() === '') {
      problems.push(file.problem([...filePath, section.keyField], `required: the ${section.label}'s ${section.keyField} (a string)`));
      return;
    }
    const normalizedKey = section.normalizeKey(key);
    const first = seen.get(normalizedKey);
    if (first !== undefined) {
      problems.push(
        file.problem(
          [...filePath, section.keyField],
          `duplicate ${section.label} '${key}': ${section.name}[${first}] has the same ${section.keyField}`,
        ),
      );
      return;
    }
    seen.set(normalizedKey, index);
    const identity = section.name === 'applications' ? applicationIdentity(raw) : undefined;
    if (identity) {
      const other = seenIdentities.get(identity);
      const field = raw.protocol === 'saml' ? ['saml', 'entityId'] : ['clientId'];
      if (other !== undefined) {
        problems.push(file.problem([...filePath, ...field], `duplicate ${field.join('.')}: applications[${other}] has the same`));
        return;
      }
      seenIdentities.set(identity, index);
    }

    // Secrets come out of the entry, as references.
    let entry: Record<string, unknown> = raw;
    const secrets: DesiredSecret[] = [];
    for (const pattern of secretPatterns) {
      for (const at of matchPaths(raw, pattern)) {
        const reference = parseSecretReference(getAt(raw, at));
        if ('problem' in reference) problems.push(file.problem([...filePath, ...at], `secret ${reference.problem}`));
        else secrets.push({ path: at, reference });
        entry = setAt(entry, at, undefined) as Record<string, unknown>;
      }
    }
    checkNoReferences(file, entry, filePath, problems);
    entries.push({ section, index, key, normalizedKey, entry, secrets, filePath });
  });
  return entries;
}

/** A reference outside a secret field is refused rather than stored as text. */
function checkNoReferences(file: ParsedFile, value: unknown, at: FilePath, problems: ConfigProblem[]): void {
  if (looksLikeReference(value)) {
    problems.push(file.problem(at, 'is not a secret field: ${env:…} and ${file:…} are resolved only in secret fields'));
  } else if (Array.isArray(value)) value.forEach((item, i) => checkNoReferences(file, item, [...at, i], problems));
  else if (isObject(value)) for (const [key, member] of Object.entries(value)) checkNoReferences(file, member, [...at, key], problems);
}
