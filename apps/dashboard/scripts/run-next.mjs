// `next <args>` for the dashboard, stopped with its parent (see @kassa/tooling/run-next.mjs).
import { createRequire } from 'node:module';
import { runNext } from '@kassa/tooling/run-next.mjs';

runNext(createRequire(import.meta.url).resolve('next/dist/bin/next'), process.argv.slice(2));
