/**
 * Under `kassa dev` every process has an IPC channel to its supervisor. When that closes (the
 * supervisor exited, even by SIGKILL), the process stops as on SIGTERM instead of lingering on
 * its port. A supervisor that went away before this runs emitted 'disconnect' to no one, so the
 * channel's state is checked first. The channel alone never keeps the process alive.
 */
export function stopWithSupervisor(): void {
  if (!process.send) return;
  const stop = () => process.kill(process.pid, 'SIGTERM');
  if (!process.connected) {
    stop();
    return;
  }
  process.channel?.unref();
  process.once('disconnect', stop);
}
