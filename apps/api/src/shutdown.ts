import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

/**
 * On SIGTERM or SIGINT: stop accepting connections, let in-flight requests finish, close the
 * database pool (the server's onClose hook), exit 0. Past `graceMs`, exit 1 anyway. A second
 * signal exits at once.
 */
export function installGracefulShutdown(app: FastifyInstance, graceMs: number): void {
  closeWithGrace({ delay: graceMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    app.log.info('shut down cleanly');
  });
}
