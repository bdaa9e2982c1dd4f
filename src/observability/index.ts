// Logs and metrics. The folder's public face: other folders import from here only.
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
