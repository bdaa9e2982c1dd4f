// Applications (OIDC and SAML): their sign-in flow at a glance, and registering a new one. A new OIDC app's
// client secret is shown here once; the API never shows it again.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { CheckField, Notice, TextField, ok, useLoad } from '../ui/kit';
import { FlowFields, flowFormOf, flowOf, flowSummary, type FlowForm } from './sign-in-flow';

export function useIdpNames() {
  return useLoad(async () => (await ok(api.GET('/identity-providers'), problemText)).items.map((i) => ({ id: i.id, name: i.name })), []);
}

export function ApplicationList({ role }: { role: Role }) {
  const apps = useLoad(() => ok(api.GET('/applications'), problemText), []);
  const idps = useIdpNames();
  const names = new Map((idps.data ?? []).map((i) => [i.id, i.name]));
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">Applications</h1>
      {can(role, 'admin') && (
        <p class="actions">
          <a class="button" href="#/applications/new-oidc">
            New OpenID Connect app
          </a>
          <a class="button" href="#/applications/new-saml">
            New SAML app
          </a>
        </p>
      )}
      {apps.error && <Notice kind="error">{apps.error}</Notice>}
      <ul class="cards">
        {apps.data?.items.map((app) => (
          <li key={app.id}>
            <a href={`#/applications/${app.id}`}>{app.name}</a>
            <span>
              {app.protocol.toUpperCase()} · {flowSummary(app.signInFlow, names)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function NewApplication({ protocol }: { protocol: 'oidc' | 'saml' }) {
  const idps = useIdpNames();
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [publicClient, setPublicClient] = useState(false);
  const [firstParty, setFirstParty] = useState(true);
  const [entityId, setEntityId] = useState('');
  const [acs, setAcs] = useState('');
  const [metadata, setMetadata] = useState('');
  const [flow, setFlow] = useState<FlowForm>(flowFormOf(undefined));
  const [created, setCreated] = useState<Schemas['Application']>();
  const [error, setError] = useState<string>();

  function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    const body: Schemas['AnyApplicationCreate'] =
      protocol === 'oidc'
        ? {
            name,
            redirectUris: redirects.split(/\s+/).filter(Boolean),
            tokenEndpointAuthMethod: publicClient ? 'none' : 'client_secret_basic',
            firstParty,
            ...flowOf(flow),
          }
        : {
            protocol: 'saml',
            name,
            saml: metadata.trim() ? { metadata: { xml: metadata } } : { entityId, assertionConsumerServices: [{ url: acs }] },
            ...flowOf(flow),
          };
    ok(api.POST('/applications', { body }), problemText).then(
      (app) => {
        if (app.protocol === 'oidc' && app.clientSecret) setCreated(app);
        else go(`applications/${app.id}`);
      },
      (e: Error) => setError(e.message),
    );
  }

  if (created) return <SecretOnce app={created} />;
  return (
    <section aria-labelledby="new-app-title">
      <h1 id="new-app-title">New {protocol === 'oidc' ? 'OpenID Connect' : 'SAML'} application</h1>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Application</legend>
          <TextField label="Name" name="name" required value={name} onInput={setName} />
          {protocol === 'oidc' ? (
            <>
              <TextField
                label="Redirect URIs"
                name="redirectUris"
                multiline
                value={redirects}
                onInput={setRedirects}
                help="One per line: where jitbridge may send people back with a code."
              />
              <CheckField
                label="Public client (no secret, PKCE only)"
                checked={publicClient}
                onChange={setPublicClient}
                help="For browser and mobile apps that cannot keep a secret."
              />
              <CheckField
                label="First-party app"
                checked={firstParty}
                onChange={setFirstParty}
                help="Your own app: consent is recorded without asking. Off: people see a consent page."
              />
            </>
          ) : (
            <>
              <TextField
                label="SP metadata XML"
                name="metadata"
                multiline
                value={metadata}
                onInput={setMetadata}
                help="Paste the service provider's metadata, or fill in the two fields below."
              />
              <TextField label="SP entity id" name="entityId" value={entityId} onInput={setEntityId} />
              <TextField label="Assertion consumer service URL" name="acs" value={acs} onInput={setAcs} />
            </>
          )}
        </fieldset>
        <FlowFields value={flow} idps={idps.data ?? []} onChange={setFlow} />
        {error && <Notice kind="error">{error}</Notice>}
        <button type="submit">Create application</button>
      </form>
    </section>
  );
}

/** The client secret, once: copied now or rotated later. */
export function SecretOnce({ app }: { app: Schemas['Application'] }) {
  return (
    <section aria-labelledby="secret-title">
      <h1 id="secret-title">{app.name}</h1>
      <Notice kind="warning">
        <p>Copy the client secret now: it is shown only once. If it is lost, issue a new one.</p>
      </Notice>
      <dl>
        <dt>Client id</dt>
        <dd>
          <code data-testid="client-id">{app.clientId}</code>
        </dd>
        <dt>Client secret</dt>
        <dd>
          <code data-testid="client-secret">{app.clientSecret}</code>
        </dd>
        <dt>Issuer</dt>
        <dd>
          <code>{app.issuer}</code>
        </dd>
      </dl>
      {app.warnings?.map((w) => (
        <Notice key={w.code} kind="warning">
          {w.message}
        </Notice>
      ))}
      <a class="button" href={`#/applications/${app.id}`}>
        Done
      </a>
    </section>
  );
}
