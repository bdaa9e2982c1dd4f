// Environment and settings, validated once at start (zod). Imports nothing else of ours. The folder's public
// face: other folders import from here only.
export { type AppConfig, ConfigError, loadConfig } from './env.js';
export { parseIpRange } from './ip-range.js';
