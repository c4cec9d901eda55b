import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newClusterId } from '../src/broker.ts';
import { javaMajorVersion, KafkaUnavailableError, kafkaRuntime } from '../src/index.ts';

// Without Java or Maven the harness says what to install, instead of failing somewhere deep.
const originalPath = process.env.PATH;
const folders: string[] = [];
afterEach(async () => {
  process.env.PATH = originalPath;
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function folder(prefix: string) {
  const path = await mkdtemp(join(tmpdir(), prefix));
  folders.push(path);
  return path;
}

/** A PATH holding only the named commands of this machine (linked from where they are). */
async function pathWith(...commands: string[]) {
  const bin = await folder('kassa-path-');
  for (const command of commands) {
    const found = (originalPath ?? '')
      .split(':')
      .map((dir) => join(dir, command))
      .find((candidate) => javaMajorVersion(candidate) !== undefined);
    if (!found) throw new Error(`${command} is not on this machine's PATH`);
    await symlink(found, join(bin, command));
  }
  return bin;
}

describe('a machine without what Kafka needs', () => {
  it('no Java: says to install Java 17 (or to set KAFKA_BROKERS)', async () => {
    process.env.PATH = await folder('kassa-empty-path-');
    expect(javaMajorVersion()).toBeUndefined();
    const refusal = kafkaRuntime({ cacheDir: await folder('kassa-cache-') });
    await expect(refusal).rejects.toBeInstanceOf(KafkaUnavailableError);
    await expect(refusal).rejects.toThrow(/openjdk-17-jre-headless.*KAFKA_BROKERS/s);
  });

  it.skipIf(javaMajorVersion() === undefined)(
    'Java but no Maven, nothing cached: says to install Maven',
    async () => {
      process.env.PATH = await pathWith('java');
      const refusal = kafkaRuntime({ cacheDir: await folder('kassa-cache-') });
      await expect(refusal).rejects.toBeInstanceOf(KafkaUnavailableError);
      await expect(refusal).rejects.toThrow(/apt-get install maven/);
    },
  );
});

it('a new cluster id never starts with "-" (the storage tool would take it for an option)', () => {
  for (let i = 0; i < 2_000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
});
