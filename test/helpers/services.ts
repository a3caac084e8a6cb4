// What a test starts for itself, on ports the system hands out: a PostgreSQL with its own data
// directory, a Redis, and instances of the built server (dist/server.js, what `npm start`
// runs). A test may stop, restart or kill these without touching the shared PostgreSQL and
// Redis other test files use. Every command and every wait is bounded in time, and a failure
// says which command failed with its output.
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import pg from 'pg';
import { ADMIN_KEY } from './app.js';
import type { GraphQLResponse } from './app.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A TCP port nothing listens on now (the system's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** Resolves once a Redis on this port answers PING; fails after `timeoutMs`. */
export async function answersPing(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pong = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.setTimeout(1_000, () => { socket.destroy(); done(false); });
      socket.once('data', (data) => { socket.destroy(); done(data.toString().startsWith('+PONG')); });
      socket.once('error', () => done(false));
    });
    if (pong) return;
    if (Date.now() > deadline) throw new Error(`no Redis answered PING on port ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Runs a command to its end within `timeoutMs`; a failure carries the command line and its output. */
function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) fail(new Error(`${[command, ...args].join(' ')} failed (${error.killed ? `killed after ${timeoutMs} ms` : `exit ${error.code}`}):\n${stdout}${stderr}`));
      else done(stdout + stderr);
    });
  });
}

// ---------------------------------------------------------------- PostgreSQL

/** A PostgreSQL program: the newest /usr/lib/postgresql/<version>/bin has it, else PATH. */
function postgresProgram(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', name))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin', name) : name;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
const asRoot = process.getuid?.() === 0;
function asPostgres(name: string, args: string[], timeoutMs: number): Promise<string> {
  const program = postgresProgram(name);
  return asRoot ? run('runuser', ['-u', 'postgres', '--', program, ...args], timeoutMs) : run(program, args, timeoutMs);
}

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface PrivatePostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** The URL of another database of this server. */
  urlOf(database: string): string;
  restart(mode: StopMode): Promise<void>;
  stop(mode: StopMode): Promise<void>;
  start(): Promise<void>;
  /** Whether it was started and not stopped since (by these functions). */
  running(): boolean;
  /** Ends every backend of `database` (pg_terminate_backend); the number ended. */
  terminateBackends(database: string): Promise<number>;
  /** One statement on a connection of its own (to `database`, by default postgres). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Stops the server (if running) and removes its directory. */
  close(): Promise<void>;
}

/** Seconds pg_ctl waits for a start or stop; the command itself gets a little more. */
const PG_CTL_WAIT_SECONDS = 60;

/**
 * An initdb'd PostgreSQL of its own in a temporary directory, listening on 127.0.0.1 at a port
 * the system handed out, with trust authentication and fsync off (its data is thrown away).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'linkcart-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (asRoot) chownSync(dir, ...postgresIds());
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  // -l: the server writes to a file, not to pg_ctl's pipes, which would otherwise stay open.
  const pgCtl = (action: string, ...extra: string[]) =>
    asPostgres('pg_ctl', [action, '-D', data, '-w', '-t', String(PG_CTL_WAIT_SECONDS), ...extra], (PG_CTL_WAIT_SECONDS + 10) * 1000);
  let running = false;
  const urlOf = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;

  async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
    const client = new pg.Client({ connectionString: urlOf(database), connectionTimeoutMillis: 10_000 });
    client.on('error', () => {}); // a restart under it fails the query; the process goes on
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  }

  const server: PrivatePostgres = {
    url: urlOf('postgres'),
    port,
    urlOf,
    running: () => running,
    async start() {
      await pgCtl('start', '-o', options, '-l', logFile);
      running = true;
    },
    async stop(mode) {
      await pgCtl('stop', '-m', mode);
      running = false;
    },
    async restart(mode) {
      await pgCtl('restart', '-m', mode, '-o', options, '-l', logFile);
      running = true;
    },
    async terminateBackends(database) {
      const rows = await query<{ ended: number }>(
        'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
      return rows[0]!.ended;
    },
    query,
    async close() {
      try {
        if (running) await server.stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'], 120_000);
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/** The uid and gid of the postgres user. */
function postgresIds(): [number, number] {
  const [, , uid, gid] = execFileSync('getent', ['passwd', 'postgres'], { timeout: 10_000 }).toString().split(':');
  if (uid === undefined || gid === undefined) throw new Error('no postgres user (getent passwd postgres found nothing)');
  return [Number(uid), Number(gid)];
}

// ---------------------------------------------------------------- Redis

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL, resolved once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, resolved once it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered, as from a hung Redis. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  close(): Promise<void>;
}

/** Resolves with the exit of a child process, or at once if it has exited already. */
function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** A redis-server of its own, keeping nothing on disk. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let redis: ChildProcess | undefined;
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      redis = child;
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      // A Redis that could not bind its port exits at once: say so instead of waiting for PING.
      const exited = exitOf(child).then(({ code }) => {
        throw new Error(`redis-server on ${port} exited (${code}):\n${output}`);
      });
      await Promise.race([answersPing(port), exited]);
      exited.catch(() => {});
    },
    async kill() {
      if (!redis) return;
      const exited = exitOf(redis);
      redis.kill('SIGKILL');
      await exited;
      redis = undefined;
    },
    pause: () => void redis?.kill('SIGSTOP'),
    resume: () => void redis?.kill('SIGCONT'),
    close: async () => {
      server.resume();
      await server.kill();
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------- server instances

export interface Instance {
  /** http://127.0.0.1:<port> */
  base: string;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once /readyz answers 200; fails if the process exits or `timeoutMs` passes. */
  ready(timeoutMs?: number): Promise<void>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Resolves with the process's exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for the process's exit, at most `timeoutMs` (then SIGKILL, and fail with its output). */
  exit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (if still running), then exit(timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** POSTs a document to /graphql: the HTTP status, headers and body; rejects on a fetch failure or no answer within a minute. */
  request<T, V>(document: TypedDocumentNode<T, V>, variables: V, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: GraphQLResponse<T> }>;
}

/** How long a request to an instance may take: a hung server fails the test with a message, not by its timeout. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Starts what `npm start` runs, the build in dist/ (made current by test/global-setup.ts), on a
 * free port with the test admin key; `env` gives DATABASE_URL, REDIS_URL and anything else.
 * DATABASE_URL and REDIS_URL are not inherited from this process: only what `env` says.
 */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: root,
    env: { ...inherited, PORT: String(port), ADMIN_API_KEY: ADMIN_KEY, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  const exited = exitOf(child);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const instance: Instance = {
    base,
    child,
    output: () => output,
    alive,
    exited,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!alive()) throw new Error(`the instance on ${port} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
        if (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false)) return;
        if (Date.now() > deadline) throw new Error(`the instance on ${port} was not ready within ${timeoutMs} ms:\n${output}`);
        await sleep(100);
      }
    },
    async exit(timeoutMs = 60_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`the instance on ${port} did not exit within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      if (alive()) child.kill(signal);
      return instance.exit(timeoutMs);
    },
    async request(document, variables, headers = {}) {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query: print(document), variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      let body: GraphQLResponse<never>;
      try {
        body = JSON.parse(text) as GraphQLResponse<never>;
      } catch {
        body = { errors: [{ message: `not JSON (HTTP ${response.status}): ${text.slice(0, 200)}` }] };
      }
      return { status: response.status, headers: response.headers, body };
    },
  };
  return instance;
}
