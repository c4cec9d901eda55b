import { rm } from 'node:fs/promises';
import {
  createDatabaseClients,
  createDatabaseIfMissing,
  type EmbeddedPostgres,
  migrate,
  startEmbeddedPostgres,
} from '@kassa/db';
import { freePort, scratchDataDir } from '@kassa/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiServer } from '../src/index.ts';
import { testServices } from './support.ts';

// This suite stops and restarts PostgreSQL, so it runs its own server, not the shared one.
let dataDir: string;
let port: number;
let server: EmbeddedPostgres;
let app: FastifyInstance;
let db: ReturnType<typeof createDatabaseClients>;

async function readyz() {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: response.statusCode, body: response.json() };
}

beforeAll(async () => {
  dataDir = await scratchDataDir();
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir, port });
  await createDatabaseIfMissing(server.url('postgres'), 'kassa');
  db = createDatabaseClients(server.url('kassa'));
  await migrate(db.pool);
  app = await buildApiServer({ db, ...testServices() });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('/readyz', () => {
  it('is 503 while the database is down, and ready again once it is back', async () => {
    expect((await readyz()).status).toBe(200);

    await server.stop();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.database.ok).toBe(false);
    expect(down.body.checks.database.error).toMatch(/connection failed|timeout/);
    // Nothing about the server's address or credentials leaks into the answer.
    expect(JSON.stringify(down.body)).not.toContain(server.password);
    // Liveness does not depend on the database.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    server = await startEmbeddedPostgres({ dataDir, port });
    expect((await readyz()).status).toBe(200);
  });
});
