export { type ProcessSpec, Supervisor } from './dev/supervisor.ts';
