// Which resource each entry of a configuration file describes, what --prune deletes, and the checks that need only
// the file and the current state (references between resources, secrets the file must supply). Used by engine.ts
// before its trial.
import type { DesiredEntry, DesiredState } from './desired.js';
import { ConfigFileError } from './errors.js';
import { getAt, matchPaths, type SchemaModel } from './schema-walk.js';
import { applicationIdentity, SECTIONS, sectionNamed, type Section } from './sections.js';
import { formatPath, type ParsedFile } from './source.js';
import type { CurrentResource, CurrentState } from './state.js';
import type { ConfigProblem, RunOptions } from './types.js';

export interface Match {
  desired: DesiredEntry;
  current: CurrentResource | undefined;
}

export interface Deletion {
  section: Section;
  current: CurrentResource;
}

interface MatchInput {
  desired: DesiredState;
  before: CurrentState;
  model: SchemaModel;
  file: ParsedFile;
  options: RunOptions;
}

export interface Matching {
  matches: Match[];
  deletions: Deletion[];
}

/** Pairs each entry of the file with the resource it describes, and lists what --prune deletes. */
export function matchEntries({ desired, before, model, file, options }: MatchInput): Matching {
  const matches: Match[] = [];
  const deletions: Deletion[] = [];
  const problems: ConfigProblem[] = [];
  for (const section of SECTIONS) {
    const entries = desired.sections[section.name];
    if (!entries) continue;
    const current = before.sections[section.name];
    const claimed = new Map<CurrentResource, DesiredEntry>();
    for (const entry of entries) {
      const identity = section.name === 'applications' ? applicationIdentity(entry.entry) : undefined;
      const byIdentity = identity ? current.filter((c) => applicationIdentity(c.entry) === identity) : [];
      const found = byIdentity.length > 0 ? byIdentity : current.filter((c) => c.normalizedKey === entry.normalizedKey);
      if (found.length > 1) {
        problems.push(
          file.problem(
            [...entry.filePath, section.keyField],
            `${found.length} ${section.label}s named '${entry.key}' exist in the database: rename all but one through the admin API first`,
          ),
        );
        continue;
      }
      const resource = found[0];
      if (resource) {
        const other = claimed.get(resource);
        if (other) {
          problems.push(
            file.problem(entry.filePath, `describes the same ${section.label} as ${formatPath(other.filePath)} ('${resource.key}')`),
          );
          continue;
        }
        claimed.set(resource, entry);
      }
      matches.push({ desired: entry, current: resource });
    }
    if (options.prune) {
      for (const resource of current) {
        if (!claimed.has(resource) && !section.keep?.(resource.key)) deletions.push({ section, current: resource });
      }
    }
  }
  // Deleted in the reverse order of creation: what refers to something goes before it.
  deletions.sort((a, b) => SECTIONS.indexOf(b.section) - SECTIONS.indexOf(a.section));
  checkReferences({ desired, before, model, file }, matches, deletions, problems);
  if (problems.length > 0) throw new ConfigFileError(file.name, problems);
  return { matches, deletions };
}

/** Every name that refers to another resource must be in the file, or in the database and staying. */
function checkReferences(
  { desired: wanted, before, model, file }: Omit<MatchInput, 'options'>,
  matches: Match[],
  deletions: Deletion[],
  problems: ConfigProblem[],
): void {
  for (const { desired } of matches) {
    for (const reference of model.referencePaths(model.entrySchema(desired.section.name))) {
      const target = sectionNamed(reference.section);
      for (const at of matchPaths(desired.entry, reference.path)) {
        const name = getAt(desired.entry, at);
        if (typeof name !== 'string') continue; // the API names the wrong type
        const key = target.normalizeKey(name);
        const inFile = wanted.sections[target.name]?.some((e) => e.normalizedKey === key);
        const inDatabase = before.sections[target.name].some((c) => c.normalizedKey === key && !deletions.some((d) => d.current === c));
        if (!inFile && !inDatabase) {
          problems.push(
            file.problem(
              [...desired.filePath, ...at],
              `${target.label} '${name}' is neither in the file nor in the database${deletions.some((d) => d.current.normalizedKey === key && d.section === target) ? ' (--prune deletes it)' : ''}`,
            ),
          );
        }
      }
    }
  }
}

/** What the file cannot leave to the API: secrets it must supply because nobody else would ever see them. */
export function checkRules(matches: Match[], file: ParsedFile): void {
  const problems: ConfigProblem[] = [];
  for (const { desired, current } of matches) {
    const has = (path: string) => desired.secrets.some((s) => s.path.join('.') === path);
    if (desired.section.name === 'applications') {
      const protocol = desired.entry.protocol ?? 'oidc';
      if (protocol !== 'oidc' && protocol !== 'saml') {
        problems.push(file.problem([...desired.filePath, 'protocol'], `must be oidc or saml, not '${String(protocol)}'`));
        continue;
      }
      const held = current?.entry.protocol;
      if (held !== undefined && held !== protocol) {
        problems.push(
          file.problem(
            [...desired.filePath, 'protocol'],
            `'${current!.key}' is an ${String(held)} application in the database, and an application's protocol cannot change: delete it (or --prune it) and name the ${protocol} one differently`,
          ),
        );
        continue;
      }
      if (protocol === 'saml') continue;
      const confidential = (desired.entry.tokenEndpointAuthMethod ?? 'client_secret_basic') !== 'none';
      const wasPublic = !current || current.entry.tokenEndpointAuthMethod === 'none';
      if (confidential && wasPublic && !has('clientSecret')) {
        problems.push(
          file.problem(
            desired.filePath,
            'a confidential application the file creates (or makes confidential) needs clientSecret: ${env:NAME} or ${file:/path}',
          ),
        );
      }
    }
    if (desired.section.name === 'scimClients' && !current && !has('token')) {
      problems.push(file.problem(desired.filePath, 'a SCIM client the file creates needs token: ${env:NAME} or ${file:/path}'));
    }
  }
  if (problems.length > 0) throw new ConfigFileError(file.name, problems);
}
