// The current configuration, read through the admin API and put in the file's shape: every resource projected on
// its entry schema (keys in the schema's order), ids of other resources replaced by their names.
import { matchPaths, getAt, setAt, type SchemaModel } from './schema-walk.js';
import { SECTION_NAMES, type SectionName } from './schema.js';
import { SECTIONS, viewToInput } from './sections.js';
import type { AdminClient, AdminResponse } from './types.js';

export interface CurrentResource {
  id: string;
  /** The key as stored (a name, a domain). */
  key: string;
  /** The key as compared. */
  normalizedKey: string;
  /** In the file's shape, secrets absent, defaults present. */
  entry: Record<string, unknown>;
}

export interface CurrentState {
  settings: Record<string, unknown>;
  sections: Record<SectionName, CurrentResource[]>;
  /** Ids of other resources the state refers to but that do not exist (left out of `entry`). */
  danglingReferences: Array<{ section: SectionName; key: string; id: string }>;
}

/** An answer the engine did not expect (a read that failed): not the file's fault. */
export class AdminApiError extends Error {
  override name = 'AdminApiError';
  constructor(
    readonly response: AdminResponse,
    what: string,
  ) {
    const body = response.body as { code?: string; detail?: string } | null;
    super(
      `${what}: the admin API answered ${response.status}${body?.code ? ` ${body.code}` : ''}${body?.detail ? `: ${body.detail}` : ''}`,
    );
  }
}

export async function expectOk(client: AdminClient, method: 'GET', path: string): Promise<unknown> {
  const response = await client.request(method, path);
  if (response.status !== 200) throw new AdminApiError(response, `${method} ${path}`);
  return response.body;
}

export async function readState(client: AdminClient, model: SchemaModel): Promise<CurrentState> {
  const lists = new Map<SectionName, Array<Record<string, unknown>>>();
  for (const section of SECTIONS) {
    const body = (await expectOk(client, 'GET', section.apiPath)) as { items: Array<Record<string, unknown>> };
    lists.set(section.name, body.items);
  }
  const settings = model.project(await expectOk(client, 'GET', '/settings'), model.settingsSchema()) as Record<string, unknown>;

  // Names of the resources that others refer to by id.
  const namesById = new Map<SectionName, Map<string, string>>();
  for (const section of SECTIONS) {
    namesById.set(section.name, new Map(lists.get(section.name)!.map((item) => [String(item.id), String(item[section.keyField])])));
  }

  const danglingReferences: CurrentState['danglingReferences'] = [];
  const sections = Object.fromEntries(SECTION_NAMES.map((name) => [name, [] as CurrentResource[]])) as CurrentState['sections'];
  for (const section of SECTIONS) {
    const schema = model.entrySchema(section.name);
    const references = model.referencePaths(schema);
    for (const item of lists.get(section.name)!) {
      let input: unknown = viewToInput(section.name, item);
      const key = String(item[section.keyField]);
      for (const reference of references) {
        const names = namesById.get(reference.section)!;
        // Arrays of references lose the ids that name nothing; a single reference keeps the id, visibly.
        for (const at of matchPaths(input, reference.path).reverse()) {
          const id = String(getAt(input, at));
          const name = names.get(id);
          if (name !== undefined) input = setAt(input, at, name);
          else {
            danglingReferences.push({ section: section.name, key, id });
            const parent = at.slice(0, -1);
            const list = getAt(input, parent);
            if (Array.isArray(list) && typeof at[at.length - 1] === 'number') {
              input = setAt(
                input,
                parent,
                list.filter((_, i) => i !== at[at.length - 1]),
              );
            }
          }
        }
      }
      sections[section.name].push({
        id: String(item.id),
        key,
        normalizedKey: section.normalizeKey(key),
        entry: model.project(input, schema) as Record<string, unknown>,
      });
    }
  }
  return { settings, sections, danglingReferences };
}
