// What runs beside requests: the durable job worker, periodic sweeps and the outbound delivery loop, composed
// in tasks.ts. The folder's public face: other folders import from here only.
export { type BackgroundTask, backgroundTasks } from './tasks.js';
