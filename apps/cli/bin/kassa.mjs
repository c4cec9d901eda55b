#!/usr/bin/env node
// The `kassa` command. Kassa's workspaces ship TypeScript source; tsx runs it on Node 20+.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
