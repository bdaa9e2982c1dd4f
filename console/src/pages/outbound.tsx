// Outbound connectors: each target's health (test connection), its lag (oldest pending delivery), recent
// deliveries, dead letters with requeue, and reconciliation.
import { useState } from 'preact/hooks';
import { api, problemText, type Schemas } from '../api/client';
import { can, type Role } from '../auth';
import { Notice, SelectField, ok, useLoad, when } from '../ui/kit';

export function OutboundList({ role }: { role: Role }) {
  const { data, error } = useLoad(() => ok(api.GET('/outbound-connectors'), problemText), []);
  return (
    <section aria-labelledby="out-title">
      <h1 id="out-title">Outbound connectors</h1>
      {can(role, 'admin') && (
        <p class="actions">
          <a class="button" href="#/outbound/new">
            New connector
          </a>
        </p>
      )}
      {error && <Notice kind="error">{error}</Notice>}
      {data?.items.length === 0 && <p>No outbound connectors yet.</p>}
      <ul class="cards">
        {data?.items.map((c) => (
          <li key={c.id}>
            <a href={`#/outbound/${c.id}`}>{c.name}</a>
            <span>
              {c.baseUrl} · {c.enabled ? 'enabled' : 'disabled'}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

type Status = 'failed' | 'pending' | 'delivered' | 'skipped' | '';

export function OutboundDetail({ id, role }: { id: string; role: Role }) {
  const connector = useLoad(() => ok(api.GET('/outbound-connectors/{id}', { params: { path: { id } } }), problemText), [id]);
  const [status, setStatus] = useState<Status>('');
  const events = useLoad(
    () =>
      ok(
        api.GET('/outbound-connectors/{id}/events', { params: { path: { id }, query: { limit: 50, ...(status ? { status } : {}) } } }),
        problemText,
      ),
    [id, status],
  );
  const pending = useLoad(
    () =>
      ok(api.GET('/outbound-connectors/{id}/events', { params: { path: { id }, query: { status: 'pending', limit: 500 } } }), problemText),
    [id],
  );
  const sync = useLoad(
    () => ok(api.GET('/outbound-connectors/{id}/sync', { params: { path: { id } } }), problemText).catch(() => undefined),
    [id],
  );
  const [check, setCheck] = useState<Schemas['OutboundConnectorCheck']>();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const act = (call: () => Promise<string>) =>
    call().then(
      (text) => {
        setMessage({ kind: 'ok', text });
        events.reload();
        pending.reload();
      },
      (e: Error) => setMessage({ kind: 'error', text: e.message }),
    );

  if (connector.error) return <Notice kind="error">{connector.error}</Notice>;
  const oldest = pending.data?.items.at(-1);
  return (
    <section aria-labelledby="conn-title">
      <h1 id="conn-title">{connector.data?.name ?? 'Connector'}</h1>
      <p>
        {connector.data?.baseUrl} · lag:{' '}
        {oldest ? `oldest pending since ${when(oldest.createdAt)} (${pending.data?.items.length} pending)` : 'nothing pending'}
      </p>
      {connector.data && (
        <p data-testid="connector-scope">
          {connector.data.enabled ? 'Enabled' : 'Paused'}; receives {connector.data.events?.join(', ') ?? 'every event'} for{' '}
          {connector.data.userStores?.join(', ') ?? 'all user stores'}; sends{' '}
          {connector.data.attributeMapping
            ? connector.data.attributeMapping.map((m) => `${m.local} as ${m.remote}`).join(', ')
            : 'the whole user'}
          ; at most {connector.data.delivery.maxAttempts} attempts.
        </p>
      )}
      {sync.data && (
        <p>
          Last reconciliation: {sync.data.status}, {sync.data.delivered}/{sync.data.total} delivered, {sync.data.failed} failed
        </p>
      )}
      <p class="actions">
        {can(role, 'admin') && (
          <a class="button" href={`#/outbound/${id}/edit`}>
            Edit connector
          </a>
        )}
        {can(role, 'operator') && (
          <button
            type="button"
            onClick={() =>
              ok(api.POST('/outbound-connectors/{id}/test', { params: { path: { id } } }), problemText).then(setCheck, (e: Error) =>
                setMessage({ kind: 'error', text: e.message }),
              )
            }
          >
            Test connection
          </button>
        )}
        {can(role, 'operator') && (
          <button
            type="button"
            onClick={() =>
              act(
                async () =>
                  `Requeued ${(await ok(api.POST('/outbound-connectors/{id}/retry', { params: { path: { id } } }), problemText)).requeued} dead letters.`,
              )
            }
          >
            Requeue all dead letters
          </button>
        )}
        {can(role, 'admin') && (
          <button
            type="button"
            onClick={() =>
              act(
                async () => (
                  await ok(api.POST('/outbound-connectors/{id}/sync', { params: { path: { id } } }), problemText),
                  'Reconciliation started.'
                ),
              )
            }
          >
            Reconcile
          </button>
        )}
      </p>
      {check && (
        <Notice kind={check.ok ? 'ok' : 'error'}>
          {check.ok ? 'The target answers.' : 'The target has problems:'}
          <ul>
            {check.checks.map((c) => (
              <li key={c.name}>
                {c.name}: {c.ok ? 'ok' : `${c.code} — ${c.detail}`}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <h2>Deliveries</h2>
      <SelectField<Status>
        label="Show"
        value={status}
        options={[
          { value: '', label: 'Recent deliveries' },
          { value: 'failed', label: 'Dead letters' },
          { value: 'pending', label: 'Pending' },
          { value: 'delivered', label: 'Delivered' },
          { value: 'skipped', label: 'Skipped' },
        ]}
        onChange={setStatus}
      />
      {events.error && <Notice kind="error">{events.error}</Notice>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {events.data?.items.map((e) => (
              <tr key={e.eventId} data-testid="delivery">
                <td>
                  {e.eventType ?? 'event'} {e.resourceId}
                </td>
                <td>{e.status}</td>
                <td>{e.attempts}</td>
                <td>{e.lastError ?? '—'}</td>
                <td>{when(e.createdAt)}</td>
                <td>
                  {e.status === 'failed' && can(role, 'operator') && (
                    <button
                      type="button"
                      onClick={() =>
                        act(async () => {
                          await ok(
                            api.POST('/outbound-connectors/{id}/events/{eventId}/retry', { params: { path: { id, eventId: e.eventId } } }),
                            problemText,
                          );
                          return `Event ${e.eventId} requeued.`;
                        })
                      }
                    >
                      Requeue
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
