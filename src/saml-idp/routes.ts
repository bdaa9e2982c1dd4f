// The SAML IdP's HTTP surface: metadata, SSO (HTTP-Redirect and HTTP-POST), IdP-initiated SSO, SLO, and the
// one script the POST form uses.
import { Hono, type Context } from 'hono';
import { type AppContext, type AppEnv } from '../http/index.js';
import { findSamlApplicationById } from '../store/index.js';
import { isUuid } from '../domain/index.js';
import { checkAuthnRequest } from './authn-request.js';
import { decodePost, decodeRedirect, MAX_RELAY_STATE_BYTES, type DecodedMessage } from './binding.js';
import { idpEndpoints, SAML_BASE_PATH } from './endpoints.js';
import { refuse, SamlIdpError } from './errors.js';
import { loadSamlIdpKeys } from './keys.js';
import { idpMetadataXml } from './metadata.js';
import { AUTOSUBMIT_SCRIPT, AUTOSUBMIT_SCRIPT_PATH } from './pages.js';
import { createSamlSlo } from './slo.js';
import { errorResponse, type SamlSso } from './sso.js';

type C = Context<AppEnv>;

async function formFields(c: C): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw refuse('saml_malformed_message', 'A SAML HTTP-POST message is a URL-encoded form');
  const form = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

async function decode(c: C): Promise<DecodedMessage> {
  return c.req.method === 'POST' ? decodePost(await formFields(c)) : decodeRedirect(new URL(c.req.url));
}

/** SamlIdpError → its error page; anything else goes on to the app's error handler. */
const guarded = (handler: (c: C) => Promise<Response>) => async (c: C) => {
  try {
    return await handler(c);
  } catch (error) {
    if (error instanceof SamlIdpError) {
      const response = await errorResponse(error);
      response.headers.set('x-saml-error', error.code);
      return response;
    }
    throw error;
  }
};

export function samlIdpRoutes(ctx: AppContext, sso: SamlSso, endLoginSession?: (loginSessionId: string) => Promise<void>) {
  const app = new Hono<AppEnv>();
  const endpoints = idpEndpoints(ctx.config.publicUrl);
  const slo = createSamlSlo({ store: ctx.store, publicUrl: ctx.config.publicUrl, endLoginSession });
  // Bodies are limited in front of every route (src/body-limit-rules.ts).

  app.get(`${SAML_BASE_PATH}/metadata`, async (c) => {
    const keys = await loadSamlIdpKeys(ctx.store);
    const signed = ['1', 'true'].includes(c.req.query('signed') ?? '');
    return c.body(idpMetadataXml(endpoints, keys, signed), 200, {
      'content-type': 'application/samlmetadata+xml; charset=utf-8',
      'cache-control': 'public, max-age=300',
    });
  });

  app.get(AUTOSUBMIT_SCRIPT_PATH, (c) =>
    c.body(AUTOSUBMIT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' }),
  );

  const ssoHandler = guarded(async (c) => {
    const message = await decode(c);
    if (message.param !== 'SAMLRequest') throw refuse('saml_malformed_message', 'The SSO endpoint takes AuthnRequests');
    const keys = await loadSamlIdpKeys(ctx.store);
    const checked = await checkAuthnRequest({ store: ctx.store, keys, endpoints }, message);
    return sso.begin(c, checked);
  });
  app.get(`${SAML_BASE_PATH}/sso`, ssoHandler);
  app.post(`${SAML_BASE_PATH}/sso`, ssoHandler);

  app.get(
    `${SAML_BASE_PATH}/idp-initiated/:appId`,
    guarded(async (c) => {
      const id = c.req.param('appId') ?? '';
      const application = isUuid(id) ? await findSamlApplicationById(ctx.store.db, id) : undefined;
      if (!application) throw refuse('saml_unknown_sp', 'No SAML application has this id', 404);
      const relayState = c.req.query('RelayState') ?? null;
      if (relayState !== null && Buffer.byteLength(relayState) > MAX_RELAY_STATE_BYTES)
        throw refuse('saml_relay_state_too_long', 'RelayState is too long');
      return sso.beginIdpInitiated(c, application, relayState);
    }),
  );

  const sloHandler = guarded(async (c) => slo.receive(await decode(c)));
  app.get(`${SAML_BASE_PATH}/slo`, sloHandler);
  app.post(`${SAML_BASE_PATH}/slo`, sloHandler);
  return app;
}
