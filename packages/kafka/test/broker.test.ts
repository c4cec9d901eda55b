import { fork } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaMajorVersion } from '../src/index.ts';
import { startScratchBroker } from '../src/testing/index.ts';

// The harness itself, on a broker of its own: it starts, takes and serves messages, and keeps
// them across a crash and a restart on the same storage.
const tsx = createRequire(import.meta.url).resolve('tsx');
const java = javaMajorVersion();
if (java === undefined)
  console.warn('SKIPPED: the Kafka broker harness (no Java on this machine).');

describe.skipIf(java === undefined)('a Kafka broker the project starts itself', () => {
  let broker: Awaited<ReturnType<typeof startScratchBroker>>;

  beforeAll(async () => {
    broker = await startScratchBroker();
  });

  afterAll(async () => {
    await broker?.remove();
  });

  const client = () =>
    new Kafka({ clientId: 'harness-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });

  async function readAll(topic: string, expected: number): Promise<string[]> {
    const consumer = client().consumer({ groupId: `reader-${topic}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString('utf8') ?? '<null>');
          if (values.length === expected) resolve();
        },
      });
    });
    await consumer.disconnect();
    return values;
  }

  it('accepts a topic, takes messages with acks=all and serves them to a consumer group', async () => {
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: 'harness', numPartitions: 1, replicationFactor: 1 }],
    });
    await admin.disconnect();
    const producer = client().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: 'harness',
      acks: -1,
      messages: ['one', 'two', 'three'].map((value) => ({ key: 'k', value })),
    });
    await producer.disconnect();
    expect(await readAll('harness', 3)).toEqual(['one', 'two', 'three']);
  });

  it('keeps what it acknowledged across a crash (SIGKILL) and a restart on the same storage', async () => {
    const before = broker.pid();
    await broker.kill();
    await broker.restart();
    expect(broker.pid()).not.toBe(before);
    expect(await readAll('harness', 3)).toEqual(['one', 'two', 'three']);
  });

  it('stops when whoever started it is killed outright (no broker is left holding its ports)', async () => {
    const starter = fork(join(import.meta.dirname, 'fixtures', 'starter.ts'), {
      execArgv: ['--import', tsx],
      stdio: 'ignore',
    });
    const [started] = (await once(starter, 'message')) as [{ pid: number; dataDir: string }];
    expect(alive(started.pid)).toBe(true);
    starter.kill('SIGKILL');
    await once(starter, 'exit');
    const deadline = Date.now() + 60_000; // a hang guard, not a measure
    while (alive(started.pid)) {
      if (Date.now() > deadline)
        throw new Error(`the broker (pid ${started.pid}) outlived its starter`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await rm(started.dataDir, { recursive: true, force: true });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
