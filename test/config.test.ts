import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      databaseUrl: undefined,
      dataDir: './.data',
      redisUrl: undefined,
      adminApiKey: undefined,
      publicUrl: 'http://localhost:4000',
      claimRateLimit: 10,
      trustProxy: false,
      eventPollMs: 1000,
      databaseWaitSeconds: 60,
      databasePoolSize: 10,
      databasePoolTimeoutMs: 5000,
      maxConcurrentRequests: 32,
      shutdownDrainSeconds: 25,
      metricsPort: undefined,
      logLevel: 'info',
      logFormat: 'json',
      production: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://app:secret@db:5432/linkcart',
      DATA_DIR: '/var/lib/linkcart',
      REDIS_URL: 'redis://cache:6379',
      ADMIN_API_KEY: 'k'.repeat(32),
      PUBLIC_URL: 'https://api.example.com/',
      CLAIM_RATE_LIMIT: '25',
      TRUST_PROXY: 'true',
      DATABASE_WAIT_SECONDS: '5',
      DATABASE_POOL_SIZE: '20',
      DATABASE_POOL_TIMEOUT_MS: '500',
      MAX_CONCURRENT_REQUESTS: '16',
      SHUTDOWN_DRAIN_SECONDS: '3',
      METRICS_PORT: '9464',
      LOG_LEVEL: 'WARN',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://app:secret@db:5432/linkcart',
      dataDir: '/var/lib/linkcart',
      redisUrl: 'redis://cache:6379',
      publicUrl: 'https://api.example.com',
      claimRateLimit: 25,
      trustProxy: true,
      databaseWaitSeconds: 5,
      databasePoolSize: 20,
      databasePoolTimeoutMs: 500,
      maxConcurrentRequests: 16,
      shutdownDrainSeconds: 3,
      metricsPort: 9464,
      logLevel: 'warn',
      logFormat: 'json',
      production: true,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number from 0 to 65535/],
    [{ PORT: '70000' }, /PORT/],
    [{ ADMIN_API_KEY: 'short' }, /ADMIN_API_KEY must be at least 32 characters \(got 5\)/],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /DATABASE_URL must start with postgresql:\/\/ or postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a URL/],
    [{ REDIS_URL: 'http://cache' }, /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    [{ PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL/],
    [{ CLAIM_RATE_LIMIT: '0' }, /CLAIM_RATE_LIMIT must be a whole number from 1/],
    [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be true or false/],
    [{ LINK_EVENT_POLL_MS: '10' }, /LINK_EVENT_POLL_MS must be a whole number from 50/],
    [{ DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE must be a whole number from 1 to 1000/],
    [{ MAX_CONCURRENT_REQUESTS: 'lots' }, /MAX_CONCURRENT_REQUESTS must be a whole number/],
    [{ DATABASE_WAIT_SECONDS: '-1' }, /DATABASE_WAIT_SECONDS must be a whole number from 0 to 3600/],
    [{ METRICS_PORT: '99999' }, /METRICS_PORT must be a whole number from 0 to 65535/],
    [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT must be json or pretty/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
  ])('refuses %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('logs for a person at a terminal, and JSON lines anywhere else and in production', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ NODE_ENV: 'production' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'JSON' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }).logFormat).toBe('pretty');
  });

  it('never repeats a database password in a message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db/x' })).toThrow(/app:\*\*\*@/);
  });
});
