// What a login through this IdP would do, before anyone logs in: sample claims (or a captured ID token or SAML
// response) in, the API's dry run out — the decision, the SCIM diff, group changes and the outbound calls.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { Notice, TextField, ok, useLoad } from '../ui/kit';

const SAMPLE = JSON.stringify(
  {
    sub: 'sample-subject-1',
    email: 'sam@example.com',
    email_verified: true,
    given_name: 'Sam',
    family_name: 'Sample',
    preferred_username: 'sam',
  },
  null,
  2,
);

const show = (value: unknown) => (value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

export function IdentityProviderSimulate({ id }: { id: string }) {
  const idp = useLoad(() => ok(api.GET('/identity-providers/{id}', { params: { path: { id } } }), problemText), [id]);
  const [claims, setClaims] = useState(SAMPLE);
  const [captured, setCaptured] = useState('');
  const [result, setResult] = useState<Schemas['IdentityProviderSimulation']>();
  const [error, setError] = useState<string>();

  async function run(event: Event) {
    event.preventDefault();
    setError(undefined);
    setResult(undefined);
    let body: Schemas['IdentityProviderSimulationRequest'];
    try {
      body = captured.trim()
        ? captured.trim().startsWith('<') || !captured.includes('.')
          ? { samlResponse: captured.trim() }
          : { idToken: captured.trim() }
        : { claims: JSON.parse(claims) as Record<string, unknown> };
    } catch {
      setError('The claims are not valid JSON.');
      return;
    }
    ok(api.POST('/identity-providers/{id}/simulate', { params: { path: { id } }, body }), problemText).then(setResult, (e: Error) =>
      setError(e.message),
    );
  }

  return (
    <section aria-labelledby="sim-title">
      <h1 id="sim-title">Simulate a login{idp.data ? ` through ${idp.data.name}` : ''}</h1>
      <p>Nothing is written and no signature is checked: this shows what a real login with these claims would do now.</p>
      <form onSubmit={run}>
        <TextField
          label="Sample claims (JSON)"
          name="claims"
          multiline
          value={claims}
          onInput={setClaims}
          help="As the IdP would send them (OIDC claims, or SAML attributes as arrays)."
        />
        <TextField
          label="Or a captured ID token or SAML response"
          name="captured"
          multiline
          value={captured}
          onInput={setCaptured}
          help="Decoded, not verified; used instead of the claims when filled in."
        />
        <button type="submit">Simulate</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {result && <SimulationResult result={result} />}
    </section>
  );
}

function SimulationResult({ result }: { result: Schemas['IdentityProviderSimulation'] }) {
  return (
    <section aria-labelledby="plan-title" data-testid="simulation">
      <h2 id="plan-title">Plan: {result.decision.replace(/_/g, ' ')}</h2>
      <p>
        {result.reason} ({result.mode}, attribute sync {result.syncMethod})
      </p>
      {result.refusal && (
        <Notice kind="error">
          Refused: {result.refusal.message} [{result.refusal.code}]
        </Notice>
      )}
      {result.warnings.length > 0 && (
        <Notice kind="warning">
          <ul>
            {result.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Notice>
      )}
      <p>
        User: {result.userName ?? '—'} {result.userStore ? `in ${result.userStore.domain}` : ''}{' '}
        {result.linkExists ? '(already linked)' : ''}
      </p>
      <h3>SCIM changes</h3>
      {result.diff.length === 0 ? (
        <p>No attribute changes.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Attribute</th>
                <th scope="col">Change</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {result.diff.map((d) => (
                <tr key={d.attribute}>
                  <td>{d.attribute}</td>
                  <td>{d.op}</td>
                  <td>{show(d.before)}</td>
                  <td>{show(d.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Groups</h3>
      <p>
        Add: {result.groups.add.join(', ') || '—'}; remove: {result.groups.remove.join(', ') || '—'}; create:{' '}
        {result.groups.create.join(', ') || '—'}
      </p>
      <h3>Outbound calls</h3>
      {result.outboxEvents.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {result.outboxEvents.map((e, i) => (
            <li key={i}>
              {e.eventType} {e.resourceType} {e.group ?? e.resourceId ?? ''}
            </li>
          ))}
        </ul>
      )}
      <p class="help">
        Audit: {result.auditEvent.action} → {result.auditEvent.outcome} ({result.auditEvent.reason})
      </p>
    </section>
  );
}
