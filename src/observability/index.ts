// Logs, metrics and traces. The folder's public face: other folders import from here only.
export { createLogger, type LogFormat, type Logger, prettyLine } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { quietUnsupportedRuntimeWarning } from './runtime-warning.js';
export { inSpan, startTracing, TRACER_NAME, type Tracing } from './tracing.js';
