// POST /api/v1/identity-providers/{id}/simulate: a dry run of JIT provisioning for admins. Takes a claim set, an
// ID token, or a captured SAML response/assertion; returns what a login would do — the linking decision and why,
// the SCIM User before and after with a diff, provenance changes, outbox and audit events — writing nothing. It
// shows the very plan a login would apply (`planLogin`): its events are the rows `applyPlan` writes (a new user's
// id, a new group's id and the timestamps are the only things a real login fills in).
// Tokens and assertions are only decoded: their signatures are NOT checked (the response says so).
import { createRoute, z } from '@hono/zod-openapi';
import { DOMParser } from '@xmldom/xmldom';
import { decodeJwt } from 'jose';
import { invalidInput, notFound, type FederatedIdentity } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import { planLogin, type ProvisioningPlan } from '../provisioning/index.js';
import { findIdentityProvider } from '../store/index.js';
import { createAdminRouter } from './router.js';
import { errorResponses, IdParam, jsonBody, jsonContent, notFoundResponse, security } from './schemas.js';

const SimulationRequest = z
  .object({
    subject: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: 'The upstream subject; defaults to `sub` of the claims/ID token, or the SAML NameID' }),
    claims: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Raw claims as the connector would hand them on (OIDC claims, SAML attributes as arrays)' }),
    idToken: z
      .string()
      .max(64 * 1024)
      .optional()
      .openapi({ description: 'A captured ID token (compact JWS); its payload is decoded, not verified' }),
    samlResponse: z
      .string()
      .max(512 * 1024)
      .optional()
      .openapi({ description: 'A captured SAML Response or Assertion (XML, or base64 as posted to the ACS); decoded, not verified' }),
  })
  .strict()
  .openapi('IdentityProviderSimulationRequest');

const Nullable = z.unknown().nullable();
const SimulationResult = z
  .object({
    signaturesChecked: z.literal(false),
    notice: z.string(),
    input: z.object({
      source: z.enum(['claims', 'idToken', 'samlResponse']),
      subject: z.string(),
      claims: z.record(z.string(), z.unknown()),
    }),
    mode: z.enum(['blocking', 'non-blocking']),
    decision: z.enum(['link_found', 'create', 'associate_username', 'associate_email', 'refuse', 'passthrough']),
    outcome: z.string(),
    reason: z.string(),
    refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
    syncMethod: z.enum(['OVERRIDE_ALL', 'PRESERVE_LOCAL', 'NONE']),
    userId: z.string().nullable().openapi({ description: 'The user the login would end with (for a create, an id that is not reserved)' }),
    userStore: z.object({ id: z.string(), domain: z.string() }).nullable(),
    userName: z.string().nullable(),
    linkExists: z.boolean(),
    before: Nullable,
    after: Nullable,
    diff: z.array(z.object({ attribute: z.string(), op: z.enum(['add', 'replace', 'remove']), before: Nullable, after: Nullable })),
    provenanceChanges: z.array(z.object({ path: z.string(), before: Nullable, after: Nullable })),
    groups: z.object({ add: z.array(z.string()), remove: z.array(z.string()), create: z.array(z.string()) }),
    outboxEvents: z
      .array(
        z.object({
          resourceType: z.string(),
          eventType: z.string(),
          resourceId: z.string().nullable().openapi({ description: 'null for a group the login would create' }),
          userStoreId: z.string().nullable(),
          resourceVersion: z.number().int().nullable(),
          payload: z.unknown(),
          group: z.string().optional(),
        }),
      )
      .openapi({ description: 'The outbox events the login would write, in order' }),
    auditEvent: z
      .object({ action: z.string(), outcome: z.string(), reason: z.string() })
      .openapi({ description: "The decision's audit event (the first of auditEvents)" }),
    auditEvents: z
      .array(
        z.object({
          actorType: z.string(),
          actorId: z.string().nullable(),
          action: z.string(),
          targetType: z.string().nullable(),
          targetId: z.string().nullable(),
          outcome: z.string(),
          reason: z.string().nullable(),
          details: z.record(z.string(), z.unknown()).nullable(),
          group: z.string().optional(),
        }),
      )
      .openapi({ description: 'The audit events the login would write, in order' }),
    passthroughClaims: z.record(z.string(), z.unknown()).nullable(),
    warnings: z.array(z.string()),
  })
  .openapi('IdentityProviderSimulation');

const simulate = createRoute({
  method: 'post',
  path: '/identity-providers/{id}/simulate',
  tags: ['Identity providers'],
  summary: 'Dry-run JIT provisioning for a claim set, ID token or SAML assertion (writes nothing, checks no signature)',
  description: 'A disabled identity provider is planned as if it were enabled, with a warning saying it is off.',
  security,
  request: { params: IdParam, ...jsonBody(SimulationRequest) },
  responses: { 200: jsonContent(SimulationResult, 'What a login would do'), ...errorResponses, ...notFoundResponse },
});

const DISABLED_WARNING =
  'This identity provider is disabled: logins through it are refused until it is enabled. The plan is what a login would do once it is.';
const NOTICE = 'Dry run: nothing was written. Signatures, issuer, audience and validity times were NOT checked; a real login checks them.';

/** Elements by local name, whatever their namespace prefix. */
function elements(node: { getElementsByTagNameNS(ns: string, name: string): ArrayLike<unknown> }, name: string): Element[] {
  return Array.from(node.getElementsByTagNameNS('*', name) as ArrayLike<Element>);
}

/** NameID and attributes of a SAML Response/Assertion, read without any trust (the dry run's input only). */
export function decodeSamlClaims(input: string): { subject: string | null; claims: Record<string, unknown> } {
  const trimmed = input.trim();
  const xml = trimmed.startsWith('<') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  if (!xml.trimStart().startsWith('<'))
    throw invalidInput('invalid_saml', 'samlResponse is neither XML nor base64-encoded XML', [
      { field: 'samlResponse', message: 'not XML' },
    ]);
  const problems: string[] = [];
  let doc: Document | undefined;
  try {
    const parser = new DOMParser({
      errorHandler: { warning: () => {}, error: (m: string) => void problems.push(m), fatalError: (m: string) => void problems.push(m) },
    });
    doc = parser.parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length || !doc?.documentElement)
    throw invalidInput('invalid_saml', `samlResponse is not well-formed XML: ${problems[0] ?? 'empty'}`, [
      { field: 'samlResponse', message: 'not well-formed' },
    ]);
  const assertion = elements(doc as never, 'Assertion')[0] ?? doc!.documentElement;
  const nameId = elements(assertion as never, 'NameID')[0];
  const claims: Record<string, unknown> = {};
  for (const attribute of elements(assertion as never, 'Attribute')) {
    const name = attribute.getAttribute('Name');
    if (!name) continue;
    const values = elements(attribute as never, 'AttributeValue').map((v) => v.textContent ?? '');
    claims[name] = [...((claims[name] as string[] | undefined) ?? []), ...values];
  }
  return { subject: nameId?.textContent?.trim() || null, claims };
}

function decodeInput(body: z.infer<typeof SimulationRequest>): {
  source: 'claims' | 'idToken' | 'samlResponse';
  subject: string;
  claims: Record<string, unknown>;
} {
  const given = (['claims', 'idToken', 'samlResponse'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw invalidInput(
      'invalid_simulation_input',
      'Give exactly one of claims, idToken, samlResponse',
      given.map((field) => ({ field, message: 'only one input at a time' })),
    );
  }
  const source = given[0]!;
  let claims: Record<string, unknown>;
  let subject: string | null = null;
  if (source === 'claims') claims = body.claims!;
  else if (source === 'idToken') {
    try {
      claims = decodeJwt(body.idToken!) as Record<string, unknown>;
    } catch (error) {
      throw invalidInput('invalid_id_token', `idToken cannot be decoded: ${(error as Error).message}`, [
        { field: 'idToken', message: 'not a JWT' },
      ]);
    }
  } else ({ subject, claims } = decodeSamlClaims(body.samlResponse!));
  const fromClaims = typeof claims.sub === 'string' ? claims.sub : null;
  const chosen = body.subject ?? subject ?? fromClaims;
  if (!chosen)
    throw invalidInput('subject_required', 'No subject: give `subject`, or a `sub` claim / SAML NameID', [
      { field: 'subject', message: 'required' },
    ]);
  return { source, subject: chosen, claims };
}

export function identityProviderSimulateRoutes(ctx: AppContext) {
  const router = createAdminRouter();
  router.openapi(simulate, async (c) => {
    const { id } = c.req.valid('param');
    const idp = await findIdentityProvider(ctx.store.db, id);
    if (!idp) throw notFound('identity_provider_not_found', `identity provider ${id} does not exist`);
    const input = decodeInput(c.req.valid('json'));
    const identity: FederatedIdentity = {
      idpId: idp.id,
      subject: input.subject,
      claims: input.claims,
      authnContext: { protocol: idp.protocol, amr: [], acr: null, authTime: null, sessionId: null },
    };
    // Planning only reads; nothing here opens a transaction or writes. A disabled IdP is planned as if enabled: the
    // point of a dry run is to see what a login will do before the IdP is turned on (a warning says it is off now).
    const plan = await planLogin(ctx, idp.enabled ? idp : { ...idp, enabled: true }, identity);
    const simulation = simulationOf(plan);
    if (!idp.enabled) simulation.warnings.unshift(DISABLED_WARNING);
    return c.json({ signaturesChecked: false as const, notice: NOTICE, input, mode: idp.jit.mode, ...simulation }, 200);
  });
  return router;
}

/** The plan as the simulation shows it: the decision, the user before and after, and the events it would write. */
export function simulationOf(plan: ProvisioningPlan) {
  const user = plan.decision === 'refuse' || plan.decision === 'passthrough' ? null : plan;
  const [audit] = plan.events.audit;
  return {
    decision: plan.decision,
    outcome: plan.outcome,
    reason: plan.reason,
    refusal: plan.decision === 'refuse' ? plan.refusal : null,
    syncMethod: plan.syncMethod,
    userId: user?.userId ?? (plan.decision === 'refuse' ? plan.userId : null),
    userStore: user?.userStore ?? null,
    userName: plan.qualifiedUserName,
    linkExists: user !== null && 'linkId' in user && user.linkId !== null,
    before: user?.before ?? null,
    after: user?.after ?? null,
    diff: [...(user?.diff ?? [])],
    provenanceChanges: [...(user?.provenanceChanges ?? [])],
    groups: {
      add: (user?.groups.add ?? []).map((g) => g.name),
      remove: (user?.groups.remove ?? []).map((g) => g.name),
      create: [...(user?.groups.create ?? [])],
    },
    outboxEvents: plan.events.outbox.map((e) => ({ ...e, userStoreId: e.userStoreId ?? null, resourceVersion: e.resourceVersion ?? null })),
    auditEvent: { action: audit!.action, outcome: audit!.outcome, reason: audit!.reason },
    auditEvents: plan.events.audit.map((a) => ({
      ...a,
      actorId: a.actorId ?? null,
      targetType: a.targetType ?? null,
      targetId: a.targetId ?? null,
      reason: a.reason ?? null,
      details: a.details ?? null,
    })),
    passthroughClaims: plan.decision === 'passthrough' ? plan.passthroughClaims : null,
    warnings: [...plan.warnings],
  };
}
