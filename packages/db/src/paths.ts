import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const schemaPath = join(packageRoot, 'prisma', 'schema.prisma');
export const migrationsDir = join(packageRoot, 'prisma', 'migrations');
