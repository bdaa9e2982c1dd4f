// The admin console's server side: static files built at install, served under /console (DESIGN.md).
export { consoleRoutes, type ConsoleRoutesOptions } from './routes.js';
