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

/**
 * Under `kassa dev` the process has an IPC channel to its supervisor. When that closes (the
 * supervisor exited, even by SIGKILL), shut down as on SIGTERM instead of lingering on the port.
 */
export function stopWithSupervisor(): void {
  if (!process.send) return;
  process.channel?.unref(); // the channel alone must not keep the process alive
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
