import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The monorepo root: the nearest folder above this package holding pnpm-workspace.yaml. */
export function workspaceRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('Kassa: cannot find the workspace root (pnpm-workspace.yaml)');
    dir = parent;
  }
  cached = dir;
  return dir;
}
