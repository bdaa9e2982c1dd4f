// JIT consent purposes: the list, and one purpose created or edited (its name, description and the attributes it
// covers, each mandatory or not), which identity providers show it, and deletion.
import { useEffect, useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { go } from '../router';
import { ConfirmAction } from '../ui/confirm';
import { CheckField, Notice, TextField, ok, useLoad, when } from '../ui/kit';

type Purpose = Schemas['ConsentPurpose'];
type Pii = Schemas['PiiCategory'];

const HELP = {
  purpose: 'WSO2: "Purpose" — why these attributes are kept, as the person reads it on the consent page ("Account recovery").',
  description: 'WSO2: purpose "Description" — the sentence under it on the consent page.',
  claim:
    'WSO2: a "PII category" — a SCIM User attribute path: displayName, name.givenName, emails[type eq "work"].value, or an enterprise extension path.',
  mandatory: 'WSO2: "Mandatory" — without consent to it no user is created; optional ones declined are not stored.',
} as const;

const PROMPTING = new Set(['PROMPT_CONSENT', 'PROMPT_PASSWORD_CONSENT', 'PROMPT_USERNAME_PASSWORD_CONSENT']);

/** IdPs whose logins show the consent page, where every purpose is shown: the purposes' users. */
function usePromptingIdps() {
  return useLoad(
    async () =>
      (await ok(api.GET('/identity-providers'), problemText)).items
        .filter((i) => i.provisioning.jit.isEnabled && PROMPTING.has(i.provisioning.jit.scheme ?? ''))
        .map((i) => ({ id: i.id, name: i.name })),
    [],
  );
}

function UsedBy() {
  const idps = usePromptingIdps();
  if (!idps.data) return null;
  return (
    <p data-testid="purpose-idps">
      Shown at the first sign-in through:{' '}
      {idps.data.length
        ? idps.data.map((i, n) => (
            <span key={i.id}>
              {n > 0 && ', '}
              <a href={`#/identity-providers/${i.id}`}>{i.name}</a>
            </span>
          ))
        : 'no identity provider yet'}{' '}
      (every IdP whose JIT scheme prompts for consent shows every purpose that touches the person's data; silent schemes show none).
    </p>
  );
}

export function ConsentPurposeList({ role }: { role: Role }) {
  const purposes = useLoad(() => ok(api.GET('/consent-purposes'), problemText), []);
  return (
    <section aria-labelledby="purposes-title">
      <h1 id="purposes-title">Consent purposes</h1>
      <p class="help">What people agree to when an IdP's scheme prompts for consent (WSO2's "purposes" and their PII categories).</p>
      {can(role, 'admin') && (
        <p class="actions">
          <a class="button" href="#/consent-purposes/new">
            New consent purpose
          </a>
        </p>
      )}
      <UsedBy />
      {purposes.error && <Notice kind="error">{purposes.error}</Notice>}
      {purposes.data?.items.length === 0 && (
        <p>None yet: a prompting login then asks only for the password or username its scheme needs.</p>
      )}
      <ul class="cards">
        {purposes.data?.items.map((p) => (
          <li key={p.id}>
            <a href={`#/consent-purposes/${p.id}`}>{p.purpose}</a>
            <span>{p.piiCategories.map((c) => `${c.claim}${c.mandatory ? ' (mandatory)' : ''}`).join(', ')}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface PurposeForm {
  purpose: string;
  description: string;
  piiCategories: Array<{ claim: string; mandatory: boolean }>;
}
const formOf = (p: Purpose | undefined): PurposeForm => ({
  purpose: p?.purpose ?? '',
  description: p?.description ?? '',
  piiCategories: p?.piiCategories.map((c) => ({ ...c })) ?? [{ claim: '', mandatory: false }],
});

/** `id` absent: a new purpose. */
export function ConsentPurposeEditor({ id, role }: { id?: string; role: Role }) {
  const admin = can(role, 'admin');
  const loaded = useLoad(
    async () => (id ? ok(api.GET('/consent-purposes/{id}', { params: { path: { id } } }), problemText) : undefined),
    [id],
  );
  const [form, setForm] = useState<PurposeForm>(() => formOf(undefined));
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  useEffect(() => {
    if (loaded.data) setForm(formOf(loaded.data));
  }, [loaded.data]);

  if (loaded.error) return <Notice kind="error">{loaded.error}</Notice>;
  if (id && !loaded.data) return <p>Loading…</p>;
  const setPii = (i: number, change: Partial<Pii>) =>
    setForm({ ...form, piiCategories: form.piiCategories.map((c, n) => (n === i ? { ...c, ...change } : c)) });

  function save(event: Event) {
    event.preventDefault();
    setMessage(undefined);
    const body = { purpose: form.purpose, description: form.description, piiCategories: form.piiCategories };
    const call = id
      ? ok(api.PUT('/consent-purposes/{id}', { params: { path: { id } }, body }), problemText)
      : ok(api.POST('/consent-purposes', { body }), problemText);
    call.then(
      (saved) => {
        if (!id) return go(`consent-purposes/${saved.id}`);
        // The API stores attribute paths in canonical spelling: read back what it stored (the title too).
        loaded.reload();
        setMessage({ kind: 'ok', text: 'Consent purpose saved.' });
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );
  }

  return (
    <section aria-labelledby="purpose-title">
      <h1 id="purpose-title">{id ? `Consent purpose: ${loaded.data?.purpose}` : 'New consent purpose'}</h1>
      {loaded.data && (
        <p>
          Created {when(loaded.data.createdAt)}, changed {when(loaded.data.updatedAt)}.
        </p>
      )}
      <UsedBy />
      <form onSubmit={save} aria-describedby={admin ? undefined : 'purpose-read-only'}>
        {!admin && (
          <p id="purpose-read-only" class="help">
            Your role can read this purpose, not change it.
          </p>
        )}
        <fieldset disabled={!admin}>
          <legend>Purpose</legend>
          <TextField
            label="Purpose"
            name="purpose"
            required
            value={form.purpose}
            onInput={(v) => setForm({ ...form, purpose: v })}
            help={HELP.purpose}
          />
          <TextField
            label="Description"
            name="description"
            multiline
            value={form.description}
            onInput={(v) => setForm({ ...form, description: v })}
            help={HELP.description}
          />
        </fieldset>
        <fieldset disabled={!admin}>
          <legend>Attributes (PII categories)</legend>
          {form.piiCategories.map((c, i) => (
            <div class="pii-row" key={i} data-testid="pii-row">
              <TextField
                label={`Attribute ${i + 1}`}
                name={`claim-${i}`}
                value={c.claim}
                onInput={(v) => setPii(i, { claim: v })}
                help={HELP.claim}
              />
              <CheckField
                label={`Attribute ${i + 1} is mandatory`}
                checked={c.mandatory}
                onChange={(v) => setPii(i, { mandatory: v })}
                help={HELP.mandatory}
              />
              {admin && form.piiCategories.length > 1 && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setForm({ ...form, piiCategories: form.piiCategories.filter((_, n) => n !== i) })}
                >
                  Remove attribute {i + 1}
                </button>
              )}
            </div>
          ))}
          {admin && (
            <button
              type="button"
              class="secondary"
              onClick={() => setForm({ ...form, piiCategories: [...form.piiCategories, { claim: '', mandatory: false }] })}
            >
              Add an attribute
            </button>
          )}
        </fieldset>
        {message && <Notice kind={message.kind}>{message.text}</Notice>}
        {admin && <button type="submit">{id ? 'Save consent purpose' : 'Create consent purpose'}</button>}
      </form>
      {admin && id && loaded.data && (
        <section aria-labelledby="purpose-delete-title" class="danger">
          <h2 id="purpose-delete-title">Delete this consent purpose</h2>
          <ConfirmAction
            label="Delete consent purpose…"
            confirmLabel={`Delete ${loaded.data.purpose}`}
            destructive
            onConfirm={() =>
              ok(api.DELETE('/consent-purposes/{id}', { params: { path: { id } } }), problemText).then(
                () => go('consent-purposes'),
                (e: Error) => setMessage({ kind: 'error', text: e.message }),
              )
            }
          >
            Later consent pages no longer show it. Receipts people already gave keep what they agreed to.
          </ConfirmAction>
        </section>
      )}
    </section>
  );
}
