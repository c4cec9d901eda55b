import { writeFile } from 'node:fs/promises';
import { generateTypes } from './types.ts';

const target = new URL('../src/generated/types.ts', import.meta.url);
await writeFile(target, await generateTypes());
process.stdout.write(`wrote ${target.pathname}\n`);
