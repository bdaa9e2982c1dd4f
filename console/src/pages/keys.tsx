// Keys: the OpenID Provider's token signing and cookie keys and the SAML IdP's signing keys — ids, algorithms,
// state and dates, never private material — and their rotation, each said in one line before it is done.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { ConfirmAction } from '../ui/confirm';
import { Notice, SelectField, TextField, ok, useLoad, when } from '../ui/kit';

type Key = Schemas['Key'];

const ROTATION = {
  signing:
    'New signing keys (RS256 and ES256) sign every token from now on; the old ones stay published at /oidc/jwks until every token they signed has expired (1 h + 5 min). Every instance follows within 5 s.',
  cookie:
    "A new cookie key signs sign-in cookies from now on; the old one keeps verifying them for a session's lifetime, so nobody is signed out.",
  saml: 'The next key (already in metadata) becomes current and signs; the old current key stays in metadata as previous for the time chosen (a day by default); a new next key is made. SPs given a certificate by hand need the next one first.',
} as const;

export function KeysPage({ role }: { role: Role }) {
  const admin = can(role, 'admin');
  const keys = useLoad(() => ok(api.GET('/keys'), problemText), []);
  const saml = useLoad(() => ok(api.GET('/saml-idp/keys'), problemText), []);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const done = (text: string, reload: () => void) => () => {
    setMessage({ kind: 'ok', text });
    reload();
  };
  const failed = (e: Error) => setMessage({ kind: 'error', text: e.message });
  const rotate = (purpose: 'signing' | 'cookie') =>
    ok(api.POST(purpose === 'signing' ? '/keys/signing/rotate' : '/keys/cookie/rotate'), problemText).then(
      done(`${purpose === 'signing' ? 'Signing' : 'Cookie'} keys rotated.`, keys.reload),
      failed,
    );

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Keys</h1>
      <p class="help">Private keys are kept encrypted under SECRETS_KEY and never leave the server; only their ids and dates are shown.</p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {keys.error && <Notice kind="error">{keys.error}</Notice>}
      {(['signing', 'cookie'] as const).map((purpose) => (
        <section key={purpose} aria-labelledby={`keys-${purpose}`}>
          <h2 id={`keys-${purpose}`}>{purpose === 'signing' ? 'Token signing keys (OpenID Provider)' : 'Cookie keys'}</h2>
          <KeyTable keys={(keys.data?.items ?? []).filter((k) => k.purpose === purpose)} testId={`${purpose}-keys`} />
          <p class="help">{ROTATION[purpose]}</p>
          {admin && (
            <ConfirmAction
              label={purpose === 'signing' ? 'Rotate signing keys…' : 'Rotate cookie keys…'}
              confirmLabel={purpose === 'signing' ? 'Rotate signing keys now' : 'Rotate cookie keys now'}
              onConfirm={() => rotate(purpose)}
            >
              {ROTATION[purpose]}
            </ConfirmAction>
          )}
        </section>
      ))}
      <section aria-labelledby="keys-saml">
        <h2 id="keys-saml">SAML IdP signing keys</h2>
        {saml.error && <Notice kind="error">{saml.error}</Notice>}
        <SamlKeyTable keys={saml.data?.items ?? []} />
        <p class="help">{ROTATION.saml}</p>
        {admin && <SamlRotation onDone={done('SAML IdP keys rotated.', saml.reload)} onError={failed} />}
      </section>
    </section>
  );
}

// Lists rather than tables: a key's line wraps at 390 px where five columns would not fit.
function KeyTable({ keys, testId }: { keys: Key[]; testId: string }) {
  if (keys.length === 0) return <p>None.</p>;
  return (
    <ul class="cards" data-testid={testId}>
      {keys.map((k) => (
        <li key={k.kid + k.algorithm}>
          <code>{k.kid}</code>
          <span>
            {k.algorithm} · <strong>{k.status}</strong> · created {when(k.createdAt)}
            {k.status === 'active' ? '' : ` · kept until ${when(k.publishUntil)}`}
          </span>
        </li>
      ))}
    </ul>
  );
}

function SamlKeyTable({ keys }: { keys: Schemas['SamlIdpKey'][] }) {
  if (keys.length === 0) return <p>None.</p>;
  return (
    <ul class="cards" data-testid="saml-keys">
      {keys.map((k) => (
        <li key={k.kid}>
          <code>{k.kid}</code>
          <span>
            {k.algorithm}
            {k.keyBits ? `, ${k.keyBits} bits` : ''} · <strong>{k.status}</strong>
            {k.status === 'previous' ? ` · in metadata until ${when(k.publishUntil)}` : ''}
          </span>
          {k.certificateInfo && (
            <span class="help">
              {k.certificateInfo.subject}, valid {when(k.certificateInfo.notBefore)} to {when(k.certificateInfo.notAfter)}
              {k.certificateInfo.expired ? ' (expired)' : ''}; SHA-256 <code>{k.certificateInfo.sha256Fingerprint}</code>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function SamlRotation({ onDone, onError }: { onDone: () => void; onError: (e: Error) => void }) {
  const [keepHours, setKeepHours] = useState('24');
  const [keyBits, setKeyBits] = useState<'2048' | '3072'>('2048');
  return (
    <ConfirmAction
      label="Rotate SAML IdP keys…"
      confirmLabel="Rotate SAML IdP keys now"
      onConfirm={() =>
        ok(
          api.POST('/saml-idp/keys/rotate', {
            body: { keepPreviousSeconds: Math.round(Number(keepHours) * 3600), keyBits: keyBits === '3072' ? 3072 : 2048 },
          }),
          problemText,
        ).then(onDone, onError)
      }
    >
      <p>{ROTATION.saml}</p>
      <TextField
        label="Keep the previous key in metadata for (hours)"
        name="keepPreviousHours"
        type="number"
        value={keepHours}
        onInput={setKeepHours}
        help="0 to 2160 hours (90 days); default one day."
      />
      <SelectField
        label="Size of the new next key"
        name="keyBits"
        value={keyBits}
        options={[
          { value: '2048', label: 'RSA 2048 bits' },
          { value: '3072', label: 'RSA 3072 bits' },
        ]}
        onChange={setKeyBits}
      />
    </ConfirmAction>
  );
}
