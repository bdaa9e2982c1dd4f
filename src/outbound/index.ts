// Outbound provisioning to downstream SCIM 2.0 systems: the worker, reconciliation, and the connector model.
export { OutboundWorker, type OutboundWorkerOptions } from './worker.js';
export { SYNC_QUEUE, startSync, syncJobHandler, readSyncStatus } from './sync.js';
export { checkConnector } from './check.js';
export * from './connector-config.js';
export { authColumns, connectorFromRow, deliveryOptionsOf } from './connectors.js';

export { PollingLoop } from './polling-loop.js';
