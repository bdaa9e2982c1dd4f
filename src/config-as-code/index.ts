// Configuration as code: one declarative file (YAML or JSON) for the whole configuration, planned, applied in one
// transaction through the admin API's own routes, and exported. Used by the command line, start-up (CONFIG_FILE)
// and the admin API's /config routes; each hands it an AdminBinding of the admin API (it does not import it).
export { applyConfiguration, planConfiguration, type ApplyResult, type ConfigEngine } from './engine.js';
export { exportConfiguration, DEFAULT_SCHEMA_REF, type ExportOptions, type ExportResult, type ExportedSecret } from './export.js';
export { ConfigFileError, formatProblems } from './errors.js';
export type { DeletionPreview, FieldChange, Plan, PlannedChange } from './plan.js';
export { renderPlan } from './render.js';
export { buildConfigSchema, CONFIG_SCHEMA_ID, type JsonSchema } from './schema.js';
export { fileReader } from './secret-references.js';
export { AdminApiError } from './state.js';
export type { AdminBinding, AdminClient, AdminResponse, ConfigActor, ConfigProblem, ConfigSource, RunOptions } from './types.js';
