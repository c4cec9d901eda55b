export type { AppRouter } from '@kassa/api';
export { type ApiServerOptions, buildApiServer } from './server.ts';
export { installGracefulShutdown } from './shutdown.ts';
