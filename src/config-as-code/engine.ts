// plan and apply. Both run in one database transaction, as a client of the admin API bound to it:
//   1. read the current state through the API, in the file's shape, and pair each entry of the file with the
//      resource it describes (matching.ts, which also checks references and the secrets the file must supply);
//   2. trial, in a savepoint always rolled back: send every entry of the file (PUT when it exists, POST when not) and
//      the prune deletions, as the API's own requests, then read the state again. Every refusal is a problem with
//      its place in the file; the state after is exactly what the API would store, defaults and normalisation
//      included, so the differences are the API's, not a guess at them;
//   3. the plan: the differences, field by field, and the secrets that change (checked against what is held);
//   4. apply only: send the requests of the resources that change, audited by the API with the file's name and
//      digest as actor, check the result equals the trial's, and commit. Any error rolls everything back.
import { isDeepStrictEqual } from 'node:util';
import { recordAudit, holdMigrationLock } from '../store/index.js';
import type { Store } from '../store/index.js';
import { readDesired, type DesiredEntry, type DesiredState } from './desired.js';
import { ConfigFileError } from './errors.js';
import { diffValues, leaves, summarize, type DeletionPreview, type FieldChange, type Plan, type PlannedChange } from './plan.js';
import { getAt, matchPaths, SchemaModel, setAt } from './schema-walk.js';
import { checkRules, matchEntries, type Deletion, type Match } from './matching.js';
import { SECTION_NAMES, type JsonSchema, type SectionName } from './schema.js';
import { resolveSecret } from './secret-references.js';
import { sectionNamed, type Section } from './sections.js';
import { Session } from './session.js';
import { formatPath, parseConfigFile, type FilePath, type ParsedFile } from './source.js';
import { readState, type CurrentResource, type CurrentState } from './state.js';
import { heldSecrets, unreadableSecretFields } from './stored-secrets.js';
import type { AdminBinding, AdminResponse, ConfigProblem, ConfigSource, RunOptions } from './types.js';

export interface ConfigEngine {
  /** The real store (the engine opens its transaction on it). */
  store: Store;
  admin: AdminBinding;
  /** The file's JSON Schema (buildConfigSchema over the admin API's OpenAPI document). */
  schema: JsonSchema;
}

export interface ApplyResult extends Plan {
  applied: boolean;
}

const ROLLBACK = Symbol('rollback plan');

export async function planConfiguration(engine: ConfigEngine, source: ConfigSource, options: RunOptions = {}): Promise<Plan> {
  return (await run(engine, source, options, false)).plan;
}

export async function applyConfiguration(engine: ConfigEngine, source: ConfigSource, options: RunOptions = {}): Promise<ApplyResult> {
  const { plan, applied } = await run(engine, source, options, true);
  return { ...plan, applied };
}

async function run(engine: ConfigEngine, source: ConfigSource, options: RunOptions, apply: boolean) {
  const model = new SchemaModel(engine.schema);
  checkSecretReaders(model);
  const file = parseConfigFile(source.name, source.text);
  const desired = readDesired(file, model);
  await resolveSecrets(file, desired, source);
  const actor = { id: `config:${source.name}@sha256:${file.sha256}` };

  let outcome: { plan: Plan; applied: boolean } | undefined;
  try {
    await engine.store.transaction(async (tx) => {
      if (apply) await holdMigrationLock(tx);
      const session = new Session(engine.store, tx, engine.admin, actor);
      const run = new Run(session, model, file, desired, options);
      const plan = await run.plan();
      if (!apply || plan.changes.length === 0) {
        outcome = { plan, applied: false };
        // A plan leaves nothing behind, not even what reading may have set up.
        if (!apply) throw ROLLBACK;
        return;
      }
      await run.apply(plan);
      await recordAudit(session.tx, {
        actorType: 'admin',
        actorId: actor.id,
        action: 'config.apply',
        targetType: 'configuration',
        outcome: 'success',
        details: { file: file.name, sha256: file.sha256, prune: Boolean(options.prune), ...plan.summary },
      });
      outcome = { plan, applied: true };
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  if (outcome!.applied) engine.admin.afterCommit();
  return outcome!;
}

function checkSecretReaders(model: SchemaModel): void {
  for (const name of SECTION_NAMES) {
    const paths = model.secretPaths(model.entrySchema(name)).map((p) => p.join('.'));
    const missing = unreadableSecretFields(name, paths);
    if (missing.length > 0)
      throw new Error(`secret fields without a reader in config-as-code/stored-secrets.ts: ${name}.${missing.join(', ')}`);
  }
}

async function resolveSecrets(file: ParsedFile, desired: DesiredState, source: ConfigSource): Promise<void> {
  const problems: ConfigProblem[] = [];
  for (const entries of Object.values(desired.sections)) {
    for (const entry of entries ?? []) {
      for (const secret of entry.secrets) {
        const resolved = await resolveSecret(secret.reference, { env: source.env, readFile: source.readFile });
        if ('problem' in resolved)
          problems.push(file.problem([...entry.filePath, ...secret.path], `secret cannot be resolved: ${resolved.problem}`));
        else secret.value = resolved.value;
      }
    }
  }
  if (problems.length > 0) throw new ConfigFileError(file.name, problems);
}

interface TrialResult {
  after: CurrentState;
  /** Ids the trial gave the resources it created. */
  createdIds: Map<DesiredEntry, string>;
  warnings: Map<DesiredEntry, Array<{ code: string; message: string }>>;
  previews: Map<CurrentResource, DeletionPreview>;
}

class Run {
  private before!: CurrentState;
  private matches: Match[] = [];
  private deletions: Deletion[] = [];
  private trialResult!: TrialResult;
  /** Per change, which secrets to send on apply. */
  private changedSecrets = new Map<DesiredEntry, Set<string>>();
  private secretFields = new Map<DesiredEntry, FieldChange[]>();

  constructor(
    private readonly session: Session,
    private readonly model: SchemaModel,
    private readonly file: ParsedFile,
    private readonly desired: DesiredState,
    private readonly options: RunOptions,
  ) {}

  private fail(problems: ConfigProblem[]): never {
    throw new ConfigFileError(this.file.name, problems);
  }

  async plan(): Promise<Plan> {
    this.before = await readState(this.session.client, this.model);
    ({ matches: this.matches, deletions: this.deletions } = matchEntries({
      desired: this.desired,
      before: this.before,
      model: this.model,
      file: this.file,
      options: this.options,
    }));
    checkRules(this.matches, this.file);
    // Before the trial, so that it sends (and the API hashes or seals) only the secrets that change.
    for (const match of this.matches) await this.compareSecrets(match.desired, match.current);
    this.trialResult = await this.session.trial(() => this.trial());
    const changes: PlannedChange[] = [];
    const settings = this.settingsChange();
    if (settings) changes.push(settings);
    for (const match of this.matches) {
      const change = await this.entryChange(match);
      if (change) changes.push(change);
    }
    for (const { section, current } of this.deletions) {
      const preview = this.trialResult.previews.get(current);
      changes.push({
        action: 'delete',
        section: section.name,
        label: section.label,
        key: current.key,
        fields: [],
        ...(preview ? { deletion: preview } : {}),
      });
    }
    return {
      file: { name: this.file.name, sha256: this.file.sha256 },
      prune: Boolean(this.options.prune),
      changes,
      summary: summarize(changes),
    };
  }

  // ---- trial -----------------------------------------------------------------------------------------------

  private async trial(): Promise<TrialResult> {
    const problems: ConfigProblem[] = [];
    const result: Omit<TrialResult, 'after'> = { createdIds: new Map(), warnings: new Map(), previews: new Map() };
    const ids = this.idsBySection();
    if (this.desired.settings) {
      const response = await this.session.send('PATCH', '/settings', this.settingsBody());
      if (response.status >= 400) problems.push(...this.problemsOf(response, ['settings']));
    }
    for (const match of this.matches) {
      const body = this.body(match.desired, ids, this.secretsToSend(match));
      if (!body) continue; // refers to something whose creation failed: that failure is reported
      const response = match.current
        ? await this.session.send('PUT', `${match.desired.section.apiPath}/${match.current.id}`, body)
        : await this.session.send('POST', match.desired.section.apiPath, body);
      if (response.status >= 400) {
        problems.push(...this.problemsOf(response, match.desired.filePath));
        continue;
      }
      const answer = response.body as { id: string; warnings?: Array<{ code: string; message: string }> };
      if (!match.current) {
        result.createdIds.set(match.desired, answer.id);
        ids.get(match.desired.section.name)!.set(match.desired.normalizedKey, answer.id);
      }
      if (answer.warnings?.length) result.warnings.set(match.desired, answer.warnings);
    }
    for (const { section, current } of this.deletions) {
      const where = `${section.name} '${current.key}' (not in the file, --prune)`;
      if (section.name === 'identityProviders') {
        const preview = await this.session.send('DELETE', `${section.apiPath}/${current.id}?dryRun=true`);
        if (preview.status === 200) result.previews.set(current, preview.body as DeletionPreview);
      }
      const response = await this.session.send('DELETE', this.deletePath(section, current));
      if (response.status >= 400) {
        const body = response.body as { code?: string; detail?: string };
        const hint = body.code === 'idp_delete_force_required' ? ' (apply with --force to go ahead)' : '';
        problems.push({
          path: where,
          message: `${body.detail ?? `refused with ${response.status}`}${hint}`,
          ...(body.code ? { code: body.code } : {}),
        });
      }
    }
    if (problems.length > 0) this.fail(problems);
    return { ...result, after: await readState(this.session.client, this.model) };
  }

  private deletePath(section: Section, current: CurrentResource): string {
    const path = `${section.apiPath}/${current.id}`;
    return section.name === 'identityProviders' && this.options.force ? `${path}?force=true` : path;
  }

  private idsBySection(): Map<SectionName, Map<string, string>> {
    return new Map(SECTION_NAMES.map((name) => [name, new Map(this.before.sections[name].map((c) => [c.normalizedKey, c.id]))]));
  }

  /** settings: the file's fields, every other one back to its default (null, in the API's merge patch). */
  private settingsBody(): Record<string, unknown> {
    const jitSchema = this.model.resolve((this.model.settingsSchema().properties as Record<string, JsonSchema>).jit!);
    const defaults = Object.fromEntries(Object.keys(jitSchema.properties as object).map((field) => [field, null]));
    const given = this.desired.settings!;
    const jit = given.jit === undefined ? {} : given.jit;
    // Anything but a mapping goes as it is, for the API to refuse with its own words.
    return { ...given, jit: jit && typeof jit === 'object' && !Array.isArray(jit) ? { ...defaults, ...jit } : jit };
  }

  /** The API request body of an entry: names turned into ids, the secrets `include` says filled in. */
  private body(entry: DesiredEntry, ids: Map<SectionName, Map<string, string>>, include: (path: string) => boolean): unknown {
    let body: unknown = entry.entry;
    for (const reference of this.model.referencePaths(this.model.entrySchema(entry.section.name))) {
      const target = sectionNamed(reference.section);
      for (const at of matchPaths(body, reference.path)) {
        const name = getAt(body, at);
        if (typeof name !== 'string') continue;
        const id = ids.get(target.name)!.get(target.normalizeKey(name));
        if (!id) return undefined;
        body = setAt(body, at, id);
      }
    }
    for (const secret of entry.secrets) {
      if (include(secret.path.join('.'))) body = setAt(body, secret.path, secret.value);
    }
    return body;
  }

  /** The admin API's refusal as problems in the file: its field paths are paths inside the entry. */
  private problemsOf(response: AdminResponse, base: FilePath): ConfigProblem[] {
    const body = (response.body ?? {}) as { code?: string; detail?: string; errors?: Array<{ field: string; message: string }> };
    const fields = (body.errors ?? []).filter((e) => e.field && e.field !== '(body)');
    if (fields.length === 0) return [this.file.problem(base, body.detail ?? `refused with ${response.status}`, body.code)];
    return fields.map((e) => {
      const segments = e.field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      return this.file.problem([...base, ...segments], e.message, body.code);
    });
  }

  // ---- differences -----------------------------------------------------------------------------------------

  private settingsChange(): PlannedChange | undefined {
    if (!this.desired.settings) return undefined;
    const fields = diffValues(this.before.settings, this.trialResult.after.settings);
    if (fields.length === 0) return undefined;
    return { action: 'update', section: 'settings', label: 'settings', key: 'settings', filePath: 'settings', fields };
  }

  private async entryChange({ desired, current }: Match): Promise<PlannedChange | undefined> {
    const section = desired.section;
    const afterId = current?.id ?? this.trialResult.createdIds.get(desired);
    const after = this.trialResult.after.sections[section.name].find((c) => c.id === afterId);
    if (!after) throw new Error(`the trial lost ${section.label} '${desired.key}'`);
    const secrets = this.secretFields.get(desired) ?? [];
    const warnings = this.trialResult.warnings.get(desired);
    const base = { section: section.name, label: section.label, key: after.key, filePath: formatPath(desired.filePath) };
    if (!current) {
      // What the file says of it (as the API stored it), not every default the API filled in.
      const written = this.model.omitDefaults(after.entry, this.model.entrySchema(section.name)) as Record<string, unknown>;
      const shown = Object.fromEntries(Object.entries(written).filter(([key]) => key in desired.entry && key !== section.keyField));
      const fields = leaves(shown);
      return { action: 'create', ...base, fields: [...fields, ...secrets], ...(warnings ? { warnings } : {}) };
    }
    const fields = [...diffValues(current.entry, after.entry), ...secrets];
    if (fields.length === 0) return undefined;
    return { action: 'update', ...base, fields, ...(warnings ? { warnings } : {}) };
  }

  /** A new resource gets all its secrets; an existing one those that differ from what it holds. */
  private secretsToSend({ desired, current }: Match): (path: string) => boolean {
    const changed = this.changedSecrets.get(desired) ?? new Set<string>();
    return (path) => !current || changed.has(path);
  }

  /** The secrets of the file that differ from those held (never their values). */
  private async compareSecrets(desired: DesiredEntry, current: CurrentResource | undefined): Promise<void> {
    const changed = new Set<string>();
    const fields: FieldChange[] = [];
    const held = current ? await heldSecrets(this.session.store, desired.section.name, current.id) : new Map();
    for (const secret of desired.secrets) {
      const path = secret.path.join('.');
      const check = held.get(path);
      if (check && (await check(secret.value!))) continue;
      changed.add(path);
      fields.push({ path, secret: check ? 'changed' : 'set' });
    }
    this.changedSecrets.set(desired, changed);
    this.secretFields.set(desired, fields);
  }

  // ---- apply -----------------------------------------------------------------------------------------------

  async apply(plan: Plan): Promise<void> {
    const ids = this.idsBySection();
    const changing = new Set(plan.changes.filter((c) => c.action !== 'delete').map((c) => `${c.section}\u0000${c.filePath}`));
    const refused = (response: AdminResponse, base: FilePath | string) =>
      this.fail(
        typeof base === 'string'
          ? [{ path: base, message: (response.body as { detail?: string })?.detail ?? String(response.status) }]
          : this.problemsOf(response, base),
      );

    if (changing.has('settings\u0000settings')) {
      const response = await this.session.send('PATCH', '/settings', this.settingsBody());
      if (response.status >= 400) refused(response, ['settings']);
    }
    for (const match of this.matches) {
      const { desired, current } = match;
      if (!changing.has(`${desired.section.name}\u0000${formatPath(desired.filePath)}`)) continue;
      const body = this.body(desired, ids, this.secretsToSend(match));
      const response = current
        ? await this.session.send('PUT', `${desired.section.apiPath}/${current.id}`, body)
        : await this.session.send('POST', desired.section.apiPath, body);
      if (response.status >= 400) refused(response, desired.filePath);
      if (!current) ids.get(desired.section.name)!.set(desired.normalizedKey, (response.body as { id: string }).id);
    }
    for (const { section, current } of this.deletions) {
      const response = await this.session.send('DELETE', this.deletePath(section, current));
      if (response.status >= 400) refused(response, `${section.name} '${current.key}' (not in the file, --prune)`);
    }
    // The trial and the apply sent the same requests (bar unchanged secrets): the state must be the same.
    const final = await readState(this.session.client, this.model);
    if (!sameState(final, this.trialResult.after)) {
      throw new Error('the configuration after apply differs from the plan; nothing was changed');
    }
  }
}

/** Equal apart from the ids of what was created. */
function sameState(a: CurrentState, b: CurrentState): boolean {
  const shape = (state: CurrentState) => ({
    settings: state.settings,
    sections: Object.fromEntries(
      SECTION_NAMES.map((name) => [name, state.sections[name].map((c) => JSON.stringify([c.normalizedKey, c.entry])).sort()]),
    ),
  });
  return isDeepStrictEqual(shape(a), shape(b));
}
