// export: the current configuration as a file that `apply` takes. Deterministic, so that export → apply on an
// empty database → export gives the same bytes: keys in the schema's order, resources sorted by key, values equal
// to their defaults left out, every section written (an empty one as []), and each secret the instance holds as
// a ${env:…} placeholder whose name is made from the resource (the names to set are returned apart).
import { stringify } from 'yaml';
import { SchemaModel, setAt } from './schema-walk.js';
import { type JsonSchema } from './schema.js';
import { placeholderName } from './secret-references.js';
import { SECTIONS } from './sections.js';
import { Session } from './session.js';
import { readState } from './state.js';
import { heldSecrets } from './stored-secrets.js';
import type { ConfigEngine } from './engine.js';

export interface ExportedSecret {
  /** The environment variable the file names. */
  variable: string;
  /** Where in the file, such as `identityProviders[0].oidc.clientSecret`. */
  path: string;
}

export interface ExportResult {
  text: string;
  secrets: ExportedSecret[];
  /** Things left out, such as an application's reference to an identity provider that no longer exists. */
  warnings: string[];
}

export interface ExportOptions {
  /** What the file's `$schema` says (default: the schema beside the file). */
  schemaRef?: string;
}

export const DEFAULT_SCHEMA_REF = './jitbridge-config.schema.json';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function exportConfiguration(engine: ConfigEngine, options: ExportOptions = {}): Promise<ExportResult> {
  const model = new SchemaModel(engine.schema);
  const secrets: ExportedSecret[] = [];
  const warnings: string[] = [];
  const document: Record<string, unknown> = { $schema: options.schemaRef ?? DEFAULT_SCHEMA_REF };

  await engine.store.transaction(async (tx) => {
    const session = new Session(engine.store, tx, engine.admin, { id: 'config:export' });
    const state = await readState(session.client, model);
    for (const dangling of state.danglingReferences) {
      warnings.push(`${dangling.section} '${dangling.key}' refers to ${dangling.id}, which does not exist: left out`);
    }
    const settingsSchema = model.settingsSchema();
    document.settings = model.omitDefaults(state.settings, settingsSchema);
    for (const section of SECTIONS) {
      const schema: JsonSchema = model.entrySchema(section.name);
      const resources = [...state.sections[section.name]].sort(
        (a, b) => compare(a.normalizedKey, b.normalizedKey) || compare(JSON.stringify(a.entry), JSON.stringify(b.entry)),
      );
      const used = new Set<string>();
      const entries: unknown[] = [];
      for (const [index, resource] of resources.entries()) {
        let entry: unknown = resource.entry;
        const held = await heldSecrets(session.store, section.name, resource.id);
        for (const path of [...held.keys()].sort(compare)) {
          let variable = placeholderName(section.secretPrefix, resource.key, path.split('.').pop()!);
          for (let n = 2; used.has(variable); n++)
            variable = `${placeholderName(section.secretPrefix, resource.key, path.split('.').pop()!)}_${n}`;
          used.add(variable);
          entry = setAt(entry, path.split('.'), `\${env:${variable}}`);
          secrets.push({ variable, path: `${section.name}[${index}].${path}` });
        }
        entries.push(model.omitDefaults(model.project(entry, schema), schema));
      }
      document[section.name] = entries;
    }
  });
  const text = stringify(document, { lineWidth: 0, indent: 2, indentSeq: true, aliasDuplicateObjects: false });
  return { text, secrets, warnings };
}
