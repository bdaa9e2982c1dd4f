// The import rules of src/ (DESIGN.md "Layout"), checked in CI by `npm run lint:deps`:
//   1. layers: a folder imports only folders below it in LAYERS (nothing imports upward);
//   2. faces: another folder is imported through its index.ts only;
//   3. no cycles, between folders or between files (type-only imports count too);
//   4. domain/ and config/ import nothing else of ours; only store/ reaches the database drivers;
//   5. federation/ only turns a callback into a verified FederatedIdentity: it does not provision.
// Tests, benchmarks and scripts are not checked: they may reach into a folder to test its parts.
// Exceptions are listed in EXCEPTIONS below, each one edge (file → folder) with the reason it exists.

/** Top to bottom; a folder may import the folders after it, never one before it or at its own row. */
const LAYERS = [
  ['server.ts', 'app.ts', 'runtime.ts', 'config-file.ts', 'start-failure.ts', 'cli', 'demo'],
  ['console'],
  ['admin'],
  ['config-as-code'],
  ['oidc'],
  ['saml-idp'],
  ['login'],
  ['federation'],
  ['scim'],
  ['background'],
  ['outbound'],
  ['http'],
  ['provisioning'],
  ['accounts'],
  ['store'],
  ['cache'],
  ['observability'],
  ['net'],
  ['domain'],
  ['config'],
];

/**
 * Edges that break a rule, each one edge (file → folder) with the reason it exists. None today: keep it that way.
 * (federation/ used to provision and pause for prompts; that is the login's step now, src/login/steps/.)
 */
const EXCEPTIONS = { 'federation-verifies-only': [] };

const escape = (name) => name.replace(/[.]/g, '\\.');
/** A regular expression matching the modules of these top-level files or folders of src/. */
const unitsPath = (units) => `^src/(${units.map((u) => (u.endsWith('.ts') ? `${escape(u)}$` : `${escape(u)}/`)).join('|')})`;
const exceptionPaths = (rule) => {
  const paths = (EXCEPTIONS[rule] ?? []).map((e) => `^${escape(e.from)}$`);
  return paths.length > 0 ? paths : undefined;
};

// One rule per row below the top: it may not import any row above it. (Row 0 is checked by layer-top-files.)
const layerRules = LAYERS.slice(1).map((units, i) => ({
  name: `layer-${units.join('-')}`,
  comment: `${units.join(', ')} imports only the folders below it in DESIGN.md's layout table`,
  severity: 'error',
  from: { path: unitsPath(units) },
  to: { path: unitsPath(LAYERS.slice(0, i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-top-files',
      comment: 'server.ts → runtime.ts → app.ts, in that order; cli/ sits beside them and is imported by none of them',
      severity: 'error',
      from: { path: '^src/(app|runtime)\\.ts$' },
      to: { path: '^src/(server\\.ts|cli/)' },
    },
    {
      name: 'through-the-face',
      comment: 'another folder is imported through its index.ts (its public face), never past it into its files',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'through-the-face-top-files',
      comment: 'start-up files import folders through their index.ts too',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/.', pathNot: '^src/[^/]+/index\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles, between folders or files (a cycle through a barrel can leave a binding undefined)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-and-config-stand-alone',
      comment: 'domain/ and config/ import nothing else of ours (DESIGN.md)',
      severity: 'error',
      from: { path: '^src/(domain|config)/' },
      to: { path: '^src/', pathNot: '^src/$1/' },
    },
    {
      name: 'only-store-touches-the-database',
      comment: 'the store is the only module that writes SQL: no other folder imports drizzle or a database driver',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: '^src/store/' },
      to: { path: '(^|/)node_modules/(drizzle-orm|postgres|@electric-sql/pglite)/' },
    },
    {
      name: 'scim-sql-text-stays-in-scim-search',
      comment: "scimSql, the SCIM search's fast SQL builder, is used by the SCIM search files only; elsewhere drizzle's sql",
      severity: 'error',
      from: { pathNot: '^src/store/scim-(query|search|paging)\\.ts$' },
      to: { path: '^src/store/scim-sql-text\\.ts$' },
    },
    {
      name: 'federation-verifies-only',
      comment: 'federation/ turns a callback into a verified FederatedIdentity; provisioning it is a login step',
      severity: 'error',
      from: { path: '^src/federation/', pathNot: exceptionPaths('federation-verifies-only') },
      to: { path: '^src/(provisioning|accounts)/' },
    },
    // Each exception reaches only the folder it is listed for.
    ...EXCEPTIONS['federation-verifies-only'].map((e) => ({
      name: 'federation-verifies-only',
      comment: `${e.from} is an exception for ${e.to}/ only`,
      severity: 'error',
      from: { path: `^${escape(e.from)}$` },
      to: { path: '^src/(provisioning|accounts)/', pathNot: `^src/${escape(e.to)}/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a layer must not even name the types of a layer above it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
