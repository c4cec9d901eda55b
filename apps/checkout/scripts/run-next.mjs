// `next <args>` for the checkout, stopped with its parent (see @kassa/tooling/run-next.mjs).
import { createRequire } from 'node:module';
import { runNext } from '@kassa/tooling/run-next.mjs';

// The pay page's form script is bundled outside Next (see build-client.mjs).
if (['dev', 'build'].includes(process.argv[2] ?? '')) await import('./build-client.mjs');
runNext(createRequire(import.meta.url).resolve('next/dist/bin/next'), process.argv.slice(2));
