// An outbound connector as the form holds it (text fields, one checkbox per event kind) and as the API takes it.
// The same body serves create (POST) and edit (PUT): an empty secret on edit keeps the stored one.
import type { Schemas } from '../api/client';

type Body = Schemas['OutboundConnectorCreate'];
type EventKind = NonNullable<Body['events']>[number];
export type DeliveryKey = 'maxAttempts' | 'timeoutMs' | 'backoffBaseMs' | 'backoffMaxMs' | 'concurrency';

export const EVENT_KINDS: Array<{ value: EventKind; label: string; help: string }> = [
  { value: 'create', label: 'Create', help: 'A user made here (JIT, SCIM or admin) is created there.' },
  { value: 'update', label: 'Update', help: 'Attribute changes are patched there.' },
  { value: 'deactivate', label: 'Deactivate', help: 'A user disabled here is set active: false there.' },
  { value: 'delete', label: 'Delete', help: 'A user deleted here is deleted there.' },
  { value: 'group', label: 'Groups', help: 'Groups and their members are created, patched and deleted there.' },
];

/** Each delivery option with its explanation; empty means the default (shown as the placeholder). */
export const DELIVERY_FIELDS: Array<{ key: DeliveryKey; label: string; help: string; placeholder: string }> = [
  {
    key: 'maxAttempts',
    label: 'Attempts before dead letter',
    help: 'Failed tries before an event stops retrying (1–100).',
    placeholder: '10',
  },
  {
    key: 'timeoutMs',
    label: 'Request timeout (ms)',
    help: 'How long one request to the target may take (100–120000).',
    placeholder: '10000',
  },
  { key: 'backoffBaseMs', label: 'First retry after (ms)', help: 'Doubles at each retry, with jitter.', placeholder: '1000' },
  {
    key: 'backoffMaxMs',
    label: 'Longest retry delay (ms)',
    help: 'The doubling stops here; at least the first delay.',
    placeholder: '300000',
  },
  {
    key: 'concurrency',
    label: 'Requests at once',
    help: 'Different users are sent in parallel up to this many (1–64).',
    placeholder: '16',
  },
];

export interface ConnectorForm {
  name: string;
  baseUrl: string;
  authType: 'bearer' | 'oauth2';
  token: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  userStores: string;
  events: EventKind[];
  mapping: string;
  delivery: Record<DeliveryKey, string>;
  bulk: 'auto' | 'off';
  enabled: boolean;
}

export const emptyConnectorForm = (): ConnectorForm => ({
  name: '',
  baseUrl: '',
  authType: 'bearer',
  token: '',
  tokenUrl: '',
  clientId: '',
  clientSecret: '',
  scope: '',
  userStores: '',
  events: EVENT_KINDS.map((k) => k.value),
  mapping: '',
  delivery: { maxAttempts: '', timeoutMs: '', backoffBaseMs: '', backoffMaxMs: '', concurrency: '' },
  bulk: 'auto',
  enabled: true,
});

/** A stored connector in the form; secrets stay empty (write-only: empty keeps them). */
export function connectorForm(c: Schemas['OutboundConnector']): ConnectorForm {
  const text = (n: number) => String(n);
  return {
    ...emptyConnectorForm(),
    name: c.name,
    baseUrl: c.baseUrl,
    authType: c.auth.type,
    tokenUrl: c.auth.type === 'oauth2' ? c.auth.tokenUrl : '',
    clientId: c.auth.type === 'oauth2' ? c.auth.clientId : '',
    scope: c.auth.type === 'oauth2' ? (c.auth.scope ?? '') : '',
    userStores: (c.userStores ?? []).join(', '),
    events: c.events ? EVENT_KINDS.map((k) => k.value).filter((k) => c.events!.includes(k)) : EVENT_KINDS.map((k) => k.value),
    mapping: (c.attributeMapping ?? []).map((m) => `${m.local} = ${m.remote}`).join('\n'),
    delivery: {
      maxAttempts: text(c.delivery.maxAttempts),
      timeoutMs: text(c.delivery.timeoutMs),
      backoffBaseMs: text(c.delivery.backoffBaseMs),
      backoffMaxMs: text(c.delivery.backoffMaxMs),
      concurrency: text(c.delivery.concurrency),
    },
    bulk: c.delivery.bulk === 'off' ? 'off' : 'auto',
    enabled: c.enabled,
  };
}

/** `local = remote`, one a line; blank lines ignored. A line without `=` is sent as is for the API to refuse. */
export const parseMapping = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [local = '', ...remote] = line.split('=');
      return { local: local.trim(), remote: remote.join('=').trim() };
    });

export function connectorBody(f: ConnectorForm): Body {
  const optional = (text: string) => (text.trim() ? text.trim() : undefined);
  const auth: Schemas['OutboundAuthInput'] =
    f.authType === 'bearer'
      ? { type: 'bearer', token: optional(f.token) }
      : {
          type: 'oauth2',
          tokenUrl: f.tokenUrl.trim(),
          clientId: f.clientId.trim(),
          clientSecret: optional(f.clientSecret),
          scope: optional(f.scope),
        };
  const stores = f.userStores.split(/[\s,]+/).filter(Boolean);
  const mapping = parseMapping(f.mapping);
  const delivery: NonNullable<Body['delivery']> = { bulk: f.bulk };
  // A number the API refuses (not an integer, out of range) is sent as typed, so its answer names the field.
  for (const { key } of DELIVERY_FIELDS) if (f.delivery[key].trim()) delivery[key] = Number(f.delivery[key].trim());
  return {
    name: f.name,
    baseUrl: f.baseUrl.trim(),
    auth,
    userStores: stores.length ? stores : null,
    // Every kind ticked means all, future kinds included.
    events: f.events.length === EVENT_KINDS.length ? null : f.events,
    attributeMapping: mapping.length ? mapping : null,
    delivery,
    enabled: f.enabled,
  };
}
