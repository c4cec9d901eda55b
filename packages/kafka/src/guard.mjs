// Runs the broker's JVM as its child and ties its life to this guard's parent: when the IPC
// channel to the parent closes (the parent exited, even by SIGKILL), the JVM is stopped, so a
// crashed test runner or `kassa dev` never leaves a broker holding its ports. Plain JavaScript:
// it starts fast and needs no loader.
//   SIGTERM / SIGINT: forwarded (controlled shutdown)   SIGUSR2: the JVM is killed outright
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
process.send?.({ pid: child.pid });
const forward = (signal) => () => child.kill(signal);
process.on('SIGTERM', forward('SIGTERM'));
process.on('SIGINT', forward('SIGTERM'));
process.on('SIGUSR2', forward('SIGKILL'));
const orphaned = () => child.kill('SIGTERM');
if (process.connected) {
  process.channel?.unref();
  process.once('disconnect', orphaned);
} else {
  orphaned();
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
  process.disconnect?.();
});
