// Prometheus metrics: one registry per app (never prom-client's global one, which a second
// app in the same process would share), the yoga plugin's operation metrics, and counters
// of what the business does. Gauges are read when scraped, from functions the app passes in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { FillLabelsFnParams } from '@graphql-yoga/plugin-prometheus';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from '../db/client.js';
import { pathOf } from '../http/path.js';
import { DomainError } from '../services/errors.js';


export interface MetricsOptions {
  /** The pool's connections now; null on the embedded database, which has no pool. */
  poolStats?: () => PoolStats | null;
  /** Outbox events not yet announced; omitted: the gauge is not reported. */
  outboxLag?: () => Promise<number>;
  /** Whether Redis answers; null (or omitted) when no Redis is configured. */
  redisUp?: () => boolean | null;
  /** GraphQL requests being answered now. */
  inFlight?: () => number;
}

export interface AppMetrics {
  registry: Registry;
  /** The yoga Prometheus plugin on this registry, for createYoga's plugins. */
  plugin: Plugin;
  /** claimSelection outcomes: 'claimed', or the refusal's code in lower case (countClaim). */
  claims: Counter<'result'>;
  claimsRateLimited: Counter;
  /** Orders placed; an idempotent replay is not another order. */
  orders: Counter;
  linksConsumed: Counter;
  /** Requests refused before GraphQL, by reason: starting, stopping, overloaded, body_too_large. */
  httpRejected: Counter<'reason'>;
}

/**
 * Operation names come from clients: past this many distinct ones, further names are
 * reported as "other", so that nobody can grow the registry by inventing names.
 */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** Seconds: most operations take milliseconds; a claim or an order under load up to seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const withProcessMetrics = new WeakSet<Registry>();

/**
 * The process's own metrics (memory, CPU, event loop lag, GC), added at the first scrape: they
 * start monitors that run for the life of the process, which an app never scraped (a test's)
 * need not pay for.
 */
function processMetrics(registry: Registry): void {
  if (withProcessMetrics.has(registry)) return;
  withProcessMetrics.add(registry);
  collectDefaultMetrics({ register: registry, prefix: 'linkcart_' });
}

/**
 * The labels of an operation's metrics: its name (at most MAX_OPERATION_NAMES distinct ones;
 * others are 'other') and its type.
 */
function operationLabeller(): (params: FillLabelsFnParams) => { operationName: string; operationType: string } {
  const names = new Set<string>();
  const operationName = (name: string | undefined): string => {
    if (!name) return 'Anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return 'other';
    names.add(name);
    return name;
  };
  return (params: FillLabelsFnParams) => ({
    operationName: operationName(params.operationName),
    operationType: params.operationType ?? 'unknown',
  });

}

/** The GraphQL metrics of yoga's Prometheus plugin that this server keeps. */
function graphqlMetrics(registry: Registry) {
  const operationLabels = operationLabeller();
  return usePrometheus({
    registry,
    // Served by metricsHandler, which can refuse: the plugin's own endpoint is public.
    endpoint: false,
    metrics: {
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time spent on running the GraphQL operation from parse to execute',
          labelNames: ['operationName', 'operationType'],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: operationLabels,
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'GraphQL errors in results, by the phase that raised them (typed errors are data, not counted here)',
          labelNames: ['operationName', 'operationType', 'phase'],
        },
        fillLabelsFn: (params) => ({ ...operationLabels(params), phase: params.errorPhase ?? 'unknown' }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on the HTTP request of a GraphQL operation',
          labelNames: ['operationName', 'operationType', 'method', 'statusCode'],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: (params: FillLabelsFnParams, context: { request: Request; response: Response }) => ({
          ...operationLabels(params),
          method: context.request.method,
          statusCode: context.response.status,
        }),
      }),
      // The plugin enables these by default; the histograms above cover what they would say.
      graphql_envelop_request: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });

}

/** The counters the resolvers and the HTTP guard increase. */
function counters(registry: Registry) {
  const registers = [registry];
  const claims = new Counter({
    name: 'linkcart_claims_total',
    help: 'claimSelection calls by outcome: claimed, or the code of the typed error (link_not_found, rate_limited, ...)',
    labelNames: ['result'] as const,
    registers,
  });
  const claimsRateLimited = new Counter({
    name: 'linkcart_claims_rate_limited_total',
    help: 'Claims refused because their client failed too many claims',
    registers,
  });
  const orders = new Counter({ name: 'linkcart_orders_total', help: 'Orders placed (idempotent retries not counted)', registers });
  const linksConsumed = new Counter({ name: 'linkcart_links_consumed_total', help: 'Shareable links consumed by a first order', registers });
  const httpRejected = new Counter({
    name: 'linkcart_http_rejected_total',
    help: 'Requests refused before GraphQL, by reason: starting, stopping, overloaded (503), body_too_large (413)',
    labelNames: ['reason'] as const,
    registers,
  });

  return { claims, claimsRateLimited, orders, linksConsumed, httpRejected };
}

/** The gauges read at each scrape, for what the options can tell. */
function gauges(registry: Registry, options: MetricsOptions): void {
  const registers = [registry];
  const { poolStats, outboxLag, redisUp, inFlight } = options;
  if (poolStats) {
    new Gauge({
      name: 'linkcart_db_pool_connections',
      help: 'PostgreSQL pool: connections in use and idle, and queries waiting for one (absent on the embedded database)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.reset();
        const stats = poolStats();
        if (!stats) return;
        this.set({ state: 'in_use' }, stats.total - stats.idle);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }
  if (outboxLag) {
    new Gauge({
      name: 'linkcart_outbox_lag_events',
      help: 'Link events written to the outbox and not yet announced (absent while the database does not answer)',
      registers,
      async collect() {
        // A scrape must answer during a database outage too: the gauge is then left out.
        try {
          this.set(await outboxLag());
        } catch {
          this.remove();
        }
      },
    });
  }
  if (redisUp) {
    new Gauge({
      name: 'linkcart_redis_up',
      help: '1 while Redis answers, 0 while it does not (absent without Redis)',
      registers,
      collect() {
        const up = redisUp();
        if (up === null) this.remove();
        else this.set(up ? 1 : 0);
      },
    });
  }
  if (inFlight) {
    new Gauge({
      name: 'linkcart_requests_in_flight',
      help: 'GraphQL requests being answered',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
  }

}

export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  const plugin = graphqlMetrics(registry);
  const counted = counters(registry);
  gauges(registry, options);
  return { registry, plugin, ...counted };
}

/**
 * Counts a claim's outcome and passes it on: 'claimed', or the code of the typed error it was
 * refused with, in lower case ('unexpected' for anything else).
 */
export async function countClaim<T>(metrics: AppMetrics, claim: Promise<T>): Promise<T> {
  try {
    const claimed = await claim;
    metrics.claims.inc({ result: 'claimed' });
    return claimed;
  } catch (error) {
    const code = error instanceof DomainError ? error.code : 'UNEXPECTED';
    metrics.claims.inc({ result: code.toLowerCase() });
    if (code === 'RATE_LIMITED') metrics.claimsRateLimited.inc();
    throw error;
  }
}

/**
 * GET /metrics in Prometheus' text format. With `authorize`, a request it refuses gets 401;
 * any other path or method is the caller's to answer (404 here).
 */
export function metricsHandler(
  metrics: AppMetrics,
  authorize?: (req: IncomingMessage) => Promise<boolean>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  };
  return (req, res) => {
    void (async () => {
      if (pathOf(req) !== '/metrics') return send(res, 404, {}, 'Not Found\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { allow: 'GET, HEAD' }, 'Method Not Allowed\n');
      if (authorize && !(await authorize(req))) {
        return send(res, 401, { 'www-authenticate': 'Bearer realm="linkcart"' }, 'Send an admin key: Authorization: Bearer <admin key>\n');
      }
      processMetrics(metrics.registry);
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => {
      // authorize may have failed on the database: its message is not for whoever asked.
      if (!res.headersSent) send(res, 500, {}, 'The metrics could not be read\n');
      else res.destroy();
    });
  };
}
