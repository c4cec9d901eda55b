import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { run } from './run.ts';

/** The pom whose runtime classpath is the broker: Kafka and its logging binding. */
export const brokerPom = join(dirname(fileURLToPath(import.meta.url)), '..', 'pom.xml');

/** Java or Maven is missing, or Maven could not fetch the broker: says what to do about it. */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

/** What it takes to run the broker: a java binary and the broker's classpath. */
export interface KafkaRuntime {
  java: string;
  classpath: string;
  kafkaVersion: string;
}

/** The Kafka version the pom pins. */
export function kafkaVersion(): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(
    readFileSync(brokerPom, 'utf8'),
  )?.[1];
  if (!version) throw new Error(`no <kafka.version> in ${brokerPom}`);
  return version;
}

/** The major version of the `java` on PATH, or undefined when there is none. */
export function javaMajorVersion(java = 'java'): number | undefined {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  // `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_…" for Java 8)
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/**
 * Finds Java and the broker's classpath, fetching the broker and its dependencies from Maven
 * Central with Maven on first use. Maven keeps the jars in its own repository (~/.m2); the
 * resolved classpath is kept under `cacheDir`, so later runs need neither Maven nor the network.
 */
export async function kafkaRuntime(options: {
  cacheDir: string;
  log?: (message: string) => void;
}): Promise<KafkaRuntime> {
  const major = javaMajorVersion();
  if (major === undefined) {
    throw new KafkaUnavailableError(
      'Kafka needs Java 17 or newer, and there is no `java` on PATH. Install it (Debian: ' +
        '`apt-get install openjdk-17-jre-headless`), or point KAFKA_BROKERS at a running cluster.',
    );
  }
  if (major < 17) {
    throw new KafkaUnavailableError(
      `Kafka ${kafkaVersion()} needs Java 17 or newer; \`java\` here is ${major}. Install a newer ` +
        'one (Debian: `apt-get install openjdk-17-jre-headless`), or set KAFKA_BROKERS.',
    );
  }
  const pom = await readFile(brokerPom);
  const version = kafkaVersion();
  // Keyed by the pom's content: a changed pom resolves again.
  const dir = join(
    options.cacheDir,
    'kafka',
    `${version}-${createHash('sha256').update(pom).digest('hex').slice(0, 12)}`,
  );
  const file = join(dir, 'classpath.txt');
  const cached = await readClasspath(file);
  if (cached) return { java: 'java', classpath: cached, kafkaVersion: version };

  await mkdir(dir, { recursive: true });
  // Two test runs starting at once resolve one after the other (the second finds the file).
  const release = await lockfile.lock(dir, {
    lockfilePath: join(dir, 'resolve.lock'),
    stale: 120_000,
    retries: { retries: 600, minTimeout: 500, maxTimeout: 1_000 },
  });
  try {
    const again = await readClasspath(file);
    if (again) return { java: 'java', classpath: again, kafkaVersion: version };
    const mvn = spawnSync('mvn', ['--version'], { encoding: 'utf8' });
    if (mvn.error || mvn.status !== 0) {
      throw new KafkaUnavailableError(
        `Fetching Kafka ${version} from Maven Central needs Maven, and there is no \`mvn\` on ` +
          'PATH. Install it (Debian: `apt-get install maven`), or set KAFKA_BROKERS.',
      );
    }
    options.log?.(`fetching Apache Kafka ${version} from Maven Central (once; cached after)`);
    const output = `${file}.${process.pid}.tmp`;
    const maven = await run('mvn', [
      '-q',
      '-B',
      '-f',
      brokerPom,
      'dependency:build-classpath',
      `-Dmdep.outputFile=${output}`,
    ]);
    if (maven.code !== 0) {
      throw new KafkaUnavailableError(
        `Maven could not fetch the Kafka broker (exit ${maven.code}); is Maven Central reachable?\n${maven.output.slice(-4_000)}`,
      );
    }
    const resolved = await readClasspath(output);
    if (!resolved) throw new KafkaUnavailableError(`Maven wrote no usable classpath to ${output}`);
    await rename(output, file);
    return { java: 'java', classpath: resolved, kafkaVersion: version };
  } finally {
    await release();
  }
}

/** A cached classpath whose every jar is still there, or undefined. */
async function readClasspath(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  const classpath = (await readFile(file, 'utf8')).trim();
  const jars = classpath.split(':');
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return classpath;
}
