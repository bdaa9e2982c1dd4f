// A plan as text for a person (the command line prints it; CI logs keep it).
import type { FieldChange, Plan, PlannedChange } from './plan.js';

const MAX_VALUE = 100;

function show(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 20)}… (${text.length} characters)` : text;
}

function field(change: FieldChange): string {
  if (change.secret === 'set') return `${change.path}: (secret set)`;
  if (change.secret === 'changed') return `${change.path}: (secret changed)`;
  if (change.before === undefined) return `${change.path}: ${show(change.after)}`;
  return `${change.path}: ${show(change.before)} → ${show(change.after)}`;
}

const marks = { create: '+', update: '~', delete: '-' } as const;
const verbs = { create: 'create', update: 'change', delete: 'delete' } as const;

function change(c: PlannedChange): string[] {
  const what = c.section === 'settings' ? 'settings' : `${c.label} ${JSON.stringify(c.key)}`;
  const lines = [`${marks[c.action]} ${verbs[c.action]} ${what}${c.filePath && c.section !== 'settings' ? `  (${c.filePath})` : ''}`];
  for (const f of c.fields) lines.push(`    ${field(f)}`);
  if (c.deletion) {
    const d = c.deletion;
    const counts = Object.entries(d.counts)
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
    lines.push(
      `    deletion preview: users=${d.users}, ${d.affectedUsers} users affected (threshold ${d.threshold}${d.forceRequired ? ', needs --force' : ''})${counts ? `; ${counts}` : ''}`,
    );
  }
  for (const w of c.warnings ?? []) lines.push(`    warning ${w.code}: ${w.message}`);
  return lines;
}

export function renderPlan(plan: Plan): string {
  const head = `Plan for ${plan.file.name} (sha256 ${plan.file.sha256.slice(0, 12)}…)${plan.prune ? ', with --prune' : ''}`;
  if (plan.changes.length === 0) return `${head}\n\nNo changes: the configuration matches the file.\n`;
  const body = plan.changes.flatMap(change).join('\n');
  const { create, update, delete: remove } = plan.summary;
  return `${head}\n\n${body}\n\n${create} to create, ${update} to change, ${remove} to delete.\n`;
}
