import { createRequire } from 'node:module';
import { join } from 'node:path';
import { workspaceRoot } from '@kassa/config';

/**
 * The file that starts one of the platform's processes. A package never imports an app; the
 * tests start the apps as processes, by path, the way `kassa dev` and an operator do.
 */
export const appEntry = (app: string, file: string) => join(workspaceRoot(), 'apps', app, file);

/** tsx, which runs the apps' TypeScript entry points. */
export const tsx = createRequire(import.meta.url).resolve('tsx');
