// Deleting an identity provider: the API's dry run first (who is affected, and how), then the deletion itself.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { go } from '../router';
import { Notice, SelectField, ok } from '../ui/kit';

type Users = 'detach' | 'disable' | 'delete';

export function DeleteIdp({ idp }: { idp: Schemas['IdentityProvider'] }) {
  const [users, setUsers] = useState<Users>('detach');
  const [preview, setPreview] = useState<Schemas['IdentityProviderDeletion']>();
  const [error, setError] = useState<string>();
  const call = (dryRun: boolean) =>
    ok(
      api.DELETE('/identity-providers/{id}', {
        params: {
          path: { id: idp.id },
          query: { dryRun: dryRun ? 'true' : 'false', users, ...(preview?.forceRequired && !dryRun ? { force: 'true' } : {}) },
        },
      }),
      problemText,
    );
  return (
    <section aria-labelledby="delete-title" class="danger">
      <h2 id="delete-title">Delete this identity provider</h2>
      <SelectField
        label="Its JIT users"
        value={users}
        options={[
          { value: 'detach', label: 'Keep them, drop their links (detach)' },
          { value: 'disable', label: 'Disable them' },
          { value: 'delete', label: 'Delete them' },
        ]}
        onChange={(v) => {
          setUsers(v);
          setPreview(undefined);
        }}
      />
      <button type="button" onClick={() => call(true).then(setPreview, (e: Error) => setError(e.message))}>
        Preview the deletion
      </button>
      {preview && (
        <div data-testid="delete-preview">
          <p>
            Deleting <strong>{preview.name}</strong> would: delete {preview.counts.usersDeleted} users, disable{' '}
            {preview.counts.usersDisabled}, keep {preview.counts.usersKept}; remove {preview.counts.federatedIdentities} federated
            identities, {preview.counts.consentReceipts} consent receipts, {preview.counts.groupMemberships} group memberships and{' '}
            {preview.counts.oidcPayloads} sessions and tokens.
            {preview.enhancedFeature && ' The enhanced feature is on: JIT users are deleted.'}
            {preview.forceRequired && ` This is more than the threshold of ${preview.threshold} users.`}
          </p>
          <button
            type="button"
            class="destructive"
            onClick={() =>
              call(false).then(
                () => go('identity-providers'),
                (e: Error) => setError(e.message),
              )
            }
          >
            Delete {preview.name}
          </button>
        </div>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </section>
  );
}
