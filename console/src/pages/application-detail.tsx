// One application: its protocol settings (read here), its sign-in flow (changed here), a new client secret
// (shown once), deletion. The API's warnings about the flow are shown as it answers them.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { Notice, ok, useLoad } from '../ui/kit';
import { SecretOnce, useIdpNames } from './applications';
import { FlowFields, flowFormOf, flowOf, type FlowForm } from './sign-in-flow';

export function ApplicationDetail({ id, role }: { id: string; role: Role }) {
  const app = useLoad(() => ok(api.GET('/applications/{id}', { params: { path: { id } } }), problemText), [id]);
  const idps = useIdpNames();
  const [flow, setFlow] = useState<FlowForm>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [warnings, setWarnings] = useState<Schemas['Warning'][]>([]);
  const [rotated, setRotated] = useState<Schemas['Application']>();
  useEffect(() => {
    if (app.data) {
      setFlow(flowFormOf(app.data.signInFlow, app.data.identityProviders));
      setWarnings(app.data.protocol === 'oidc' ? (app.data.warnings ?? []) : []);
    }
  }, [app.data]);
  const admin = can(role, 'admin');

  if (app.error) return <Notice kind="error">{app.error}</Notice>;
  if (!app.data || !flow) return <p>Loading…</p>;
  if (rotated) return <SecretOnce app={rotated} />;
  const a = app.data;

  function saveFlow(event: Event) {
    event.preventDefault();
    ok(api.PATCH('/applications/{id}', { params: { path: { id } }, body: flowOf(flow!) }), problemText).then(
      (saved) => {
        setMessage({ kind: 'ok', text: 'Sign-in flow saved.' });
        setWarnings(saved.protocol === 'oidc' ? (saved.warnings ?? []) : []);
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );
  }

  return (
    <section aria-labelledby="app-title">
      <h1 id="app-title">{a.name}</h1>
      {a.protocol === 'oidc' ? (
        <dl>
          <dt>Client id</dt>
          <dd>
            <code>{a.clientId}</code>
          </dd>
          <dt>Redirect URIs</dt>
          <dd>{a.redirectUris.join(', ')}</dd>
          <dt>Client type</dt>
          <dd>{a.tokenEndpointAuthMethod === 'none' ? 'public (PKCE)' : `confidential (${a.tokenEndpointAuthMethod})`}</dd>
          <dt>Issuer</dt>
          <dd>
            <code>{a.issuer}</code>
          </dd>
        </dl>
      ) : (
        <dl>
          <dt>SP entity id</dt>
          <dd>
            <code>{a.saml.entityId}</code>
          </dd>
          <dt>Assertion consumer services</dt>
          <dd>{a.saml.assertionConsumerServices.map((s) => s.url).join(', ')}</dd>
        </dl>
      )}
      <form onSubmit={saveFlow}>
        <FlowFields value={flow} idps={idps.data ?? []} onChange={setFlow} disabled={!admin} />
        {warnings.map((w) => (
          <Notice key={w.code + w.message} kind="warning">
            {w.message}
          </Notice>
        ))}
        {message && <Notice kind={message.kind}>{message.text}</Notice>}
        {admin && <button type="submit">Save sign-in flow</button>}
      </form>
      {admin && a.protocol === 'oidc' && a.tokenEndpointAuthMethod !== 'none' && (
        <p>
          <button
            type="button"
            onClick={() =>
              ok(api.POST('/applications/{id}/client-secret', { params: { path: { id } } }), problemText).then(setRotated, (e: Error) =>
                setMessage({ kind: 'error', text: e.message }),
              )
            }
          >
            Issue a new client secret
          </button>
        </p>
      )}
      {admin && (
        <p>
          <button
            type="button"
            class="destructive"
            onClick={() =>
              confirm(`Delete ${a.name}? Its tokens stop working.`) &&
              ok(api.DELETE('/applications/{id}', { params: { path: { id } } }), problemText).then(
                () => go('applications'),
                (e: Error) => setMessage({ kind: 'error', text: e.message }),
              )
            }
          >
            Delete application
          </button>
        </p>
      )}
    </section>
  );
}
