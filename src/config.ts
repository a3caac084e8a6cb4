// Environment -> typed configuration, validated once at start (DESIGN.md §4).

export interface Config {
  port: number;
  /** PostgreSQL through the pg driver adapter; undefined means embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  adminApiKey: string | undefined;
  publicUrl: string;
  claimRateLimit: number;
  trustProxy: boolean;
  /** How often each instance checks the outbox for events no announcement told it about. */
  eventPollMs: number;
  /** How long a start waits for PostgreSQL to answer before it gives up (seconds; 0: no wait). */
  databaseWaitSeconds: number;
  /** Connections in the PostgreSQL pool. */
  databasePoolSize: number;
  /** How long an operation waits for a pooled connection before it is refused as unavailable. */
  databasePoolTimeoutMs: number;
  /** GraphQL requests answered at once; past it a request is refused at once with 503. */
  maxConcurrentRequests: number;
  /** How long a stop waits for accepted requests to be answered (seconds). */
  shutdownDrainSeconds: number;
  /**
   * An operations port: /metrics open to whoever reaches it, /healthz and /readyz; undefined:
   * /metrics on PORT, for admins only.
   */
  metricsPort: number | undefined;
  /** pino's level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** JSON lines, or the same lines readable by a person (a terminal's default outside production). */
  logFormat: 'json' | 'pretty';
  production: boolean;
}

/** The PostgreSQL pool's defaults (DATABASE_POOL_SIZE, DATABASE_POOL_TIMEOUT_MS). */
export const POOL_DEFAULTS = { size: 10, timeoutMs: 5_000 };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${redact(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${redact(raw)}"`);
  }
  return raw;
}

function boolean(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** Hides a password in a connection string before it reaches a message. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: Env): string {
  const raw = (env.LOG_LEVEL ?? '').toLowerCase();
  if (raw === '') return 'info';
  if (!LOG_LEVELS.includes(raw)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  return raw;
}

function logFormat(env: Env, terminal: boolean): 'json' | 'pretty' {
  const raw = (env.LOG_FORMAT ?? '').toLowerCase();
  if (raw === 'json' || raw === 'pretty') return raw;
  if (raw !== '') throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
  return terminal && !inProduction(env) ? 'pretty' : 'json';
}

const inProduction = (env: Env) => env.NODE_ENV === 'production';

/**
 * Whether this process runs in production, for what is set once per process rather than per
 * app: the Pothos builder, which every app in the process shares, checks that resolvers use the
 * Prisma query they are handed only outside production (the check wraps every such field).
 */
export const PRODUCTION_PROCESS = inProduction(process.env);

/** `terminal`: whether the logs go to a terminal (the default LOG_FORMAT depends on it). */
export function loadConfig(env: Env = process.env, terminal = false): Config {
  const port = integer(env, 'PORT', 4000, 0, 65535);
  const adminApiKey = env.ADMIN_API_KEY === '' ? undefined : env.ADMIN_API_KEY;
  if (adminApiKey !== undefined && adminApiKey.length < 32) {
    throw new ConfigError(`ADMIN_API_KEY must be at least 32 characters (got ${adminApiKey.length}); try: openssl rand -hex 32`);
  }
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    port,
    databaseUrl: url(env, 'DATABASE_URL', ['postgresql:', 'postgres:']),
    dataDir: env.DATA_DIR || './.data',
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    adminApiKey,
    publicUrl,
    claimRateLimit: integer(env, 'CLAIM_RATE_LIMIT', 10, 1, 1_000_000),
    trustProxy: boolean(env, 'TRUST_PROXY'),
    eventPollMs: integer(env, 'LINK_EVENT_POLL_MS', 1_000, 50, 3_600_000),
    databaseWaitSeconds: integer(env, 'DATABASE_WAIT_SECONDS', 60, 0, 3_600),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', POOL_DEFAULTS.size, 1, 1_000),
    databasePoolTimeoutMs: integer(env, 'DATABASE_POOL_TIMEOUT_MS', POOL_DEFAULTS.timeoutMs, 100, 60_000),
    maxConcurrentRequests: integer(env, 'MAX_CONCURRENT_REQUESTS', 32, 1, 100_000),
    shutdownDrainSeconds: integer(env, 'SHUTDOWN_DRAIN_SECONDS', 25, 0, 3_600),
    metricsPort: env.METRICS_PORT ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined,
    logLevel: logLevel(env),
    logFormat: logFormat(env, terminal),
    production: inProduction(env),
  };
}
