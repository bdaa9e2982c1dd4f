// Connector rows ↔ the OutboundConnector the worker uses: secrets are sealed with the store's SecretBox on
// the way in and opened only here, on the way to a downstream request.
import { sealedPlaces, type ConnectorRow, type NewConnectorRow, type SecretBox } from '../store/index.js';
import {
  DEFAULT_DELIVERY_OPTIONS,
  type AttributeMapping,
  type ConnectorAuth,
  type DeliveryOptions,
  type OutboundConnector,
  type OutboundEventKind,
} from './connector-config.js';

interface SealedSecrets {
  token?: string;
  clientSecret?: string;
}

export function connectorFromRow(row: ConnectorRow, secrets: SecretBox): OutboundConnector {
  const sealed: SealedSecrets = row.secretsEncrypted
    ? secrets.openJson<SealedSecrets>(row.secretsEncrypted, sealedPlaces.outboundConnector(row.id))
    : {};
  const config = (row.authConfig ?? {}) as { tokenUrl?: string; clientId?: string; scope?: string };
  const auth: ConnectorAuth =
    row.authType === 'oauth2'
      ? {
          type: 'oauth2',
          tokenUrl: config.tokenUrl ?? '',
          clientId: config.clientId ?? '',
          clientSecret: sealed.clientSecret ?? '',
          scope: config.scope,
        }
      : { type: 'bearer', token: sealed.token ?? '' };
  return {
    id: row.id,
    name: row.name,
    type: 'scim2',
    baseUrl: row.baseUrl,
    auth,
    userStores: row.userStores ?? null,
    events: (row.events as OutboundEventKind[] | null) ?? null,
    attributeMapping: (row.attributeMapping as AttributeMapping[] | null) ?? null,
    delivery: deliveryOptionsOf(row),
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function deliveryOptionsOf(row: Pick<ConnectorRow, 'deliveryOptions'>): DeliveryOptions {
  return { ...DEFAULT_DELIVERY_OPTIONS, ...((row.deliveryOptions ?? {}) as Partial<DeliveryOptions>) };
}

/** The columns for a connector's credentials: public settings in clear, secrets sealed for the connector's row. */
export function authColumns(
  auth: ConnectorAuth,
  secrets: SecretBox,
  connectorId: string,
): Pick<NewConnectorRow, 'authType' | 'authConfig' | 'secretsEncrypted'> {
  const place = sealedPlaces.outboundConnector(connectorId);
  if (auth.type === 'bearer')
    return { authType: 'bearer', authConfig: {}, secretsEncrypted: secrets.sealJson({ token: auth.token }, place) };
  return {
    authType: 'oauth2',
    authConfig: { tokenUrl: auth.tokenUrl, clientId: auth.clientId, ...(auth.scope ? { scope: auth.scope } : {}) },
    secretsEncrypted: secrets.sealJson({ clientSecret: auth.clientSecret }, place),
  };
}
