export { type ApiServerOptions, buildApiServer } from './server.ts';
export { installGracefulShutdown } from './shutdown.ts';
export type { AppRouter } from './trpc/router.ts';
