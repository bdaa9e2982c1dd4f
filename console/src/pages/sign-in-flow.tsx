// An application's sign-in flow as a person sets it: step 1 = which identity providers (and LOCAL password) are
// offered; an optional step 2 = a second factor, for everyone or only after LOCAL. The API warns about flows that
// cannot finish (MFA after an IdP with JIT off, TOTP without the enhanced feature, Email OTP without mail).
import type { Schemas } from '../api/client';
import { CheckField, SelectField } from '../ui/kit';

export interface FlowForm {
  idps: string[];
  local: boolean;
  factor: '' | 'TOTP' | 'EMAIL_OTP';
  when: 'always' | 'local_only';
}

type Flow = Schemas['SignInFlow'];

/** `flow` as either protocol's app answers it (the SAML app's schema leaves its steps untyped). */
export function flowFormOf(answered: { steps: unknown[] } | undefined, identityProviders: string[] = []): FlowForm {
  const flow = answered as Flow | undefined;
  const [first, second] = flow?.steps ?? [];
  const options = first?.options ?? [];
  const idps = options.flatMap((o) => ('idp' in o ? [o.idp] : []));
  const factor = second?.options.flatMap((o) => ('authenticator' in o && o.authenticator !== 'LOCAL' ? [o.authenticator] : []))[0];
  return {
    idps: idps.length > 0 ? idps : identityProviders,
    local: options.length === 0 || options.some((o) => 'authenticator' in o && o.authenticator === 'LOCAL'),
    factor: (factor as FlowForm['factor']) ?? '',
    when: second?.when ?? 'always',
  };
}

export function flowOf(form: FlowForm): { identityProviders: string[]; signInFlow: Flow } {
  const first = [...form.idps.map((idp) => ({ idp })), ...(form.local ? [{ authenticator: 'LOCAL' as const }] : [])];
  const steps: Flow['steps'] = [{ options: first }];
  if (form.factor) steps.push({ options: [{ authenticator: form.factor }], when: form.when });
  return { identityProviders: form.idps, signInFlow: { steps } };
}

export function FlowFields(props: {
  value: FlowForm;
  idps: Array<{ id: string; name: string }>;
  onChange: (value: FlowForm) => void;
  disabled?: boolean;
}) {
  const { value, onChange } = props;
  return (
    <fieldset disabled={props.disabled}>
      <legend>Sign-in flow</legend>
      <p class="help">Step 1: how people prove who they are. WSO2 calls this the application's "Login Flow".</p>
      {props.idps.map((idp) => (
        <CheckField
          key={idp.id}
          label={idp.name}
          checked={value.idps.includes(idp.id)}
          onChange={(on) => onChange({ ...value, idps: on ? [...value.idps, idp.id] : value.idps.filter((i) => i !== idp.id) })}
        />
      ))}
      <CheckField label="Username and password (LOCAL)" checked={value.local} onChange={(local) => onChange({ ...value, local })} />
      <SelectField
        label="Second factor"
        help="Step 2, after step 1: a TOTP authenticator app or a one-time code by email."
        value={value.factor}
        options={[
          { value: '', label: 'None' },
          { value: 'TOTP', label: 'TOTP (authenticator app)' },
          { value: 'EMAIL_OTP', label: 'Email OTP' },
        ]}
        onChange={(factor) => onChange({ ...value, factor })}
      />
      {value.factor && (
        <SelectField
          label="Ask for the second factor"
          value={value.when}
          options={[
            { value: 'always', label: 'After every sign-in' },
            { value: 'local_only', label: 'Only after a LOCAL password sign-in' },
          ]}
          onChange={(when) => onChange({ ...value, when })}
        />
      )}
    </fieldset>
  );
}

/** One line for a list: what step 1 offers and what step 2 asks. */
export function flowSummary(answered: { steps: unknown[] }, idpNames: Map<string, string>): string {
  const [first, ...later] = (answered as Flow).steps;
  const offered = (first?.options ?? []).map((o) => ('idp' in o ? (idpNames.get(o.idp) ?? 'an IdP') : o.authenticator));
  const factors = later.flatMap((s) => s.options.map((o) => ('authenticator' in o ? o.authenticator : 'IdP')));
  return `${offered.join(' or ') || 'LOCAL'}${factors.length ? ` → ${factors.join(', ')}` : ''}`;
}
