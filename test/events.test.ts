// Live link events (DESIGN.md §1 step 6) over real sockets: graphql-ws and server-sent
// events, published after commit, in sequence order, caught up after a reconnect, and across
// instances (a second server process sharing PostgreSQL and Redis).
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.js';
import { graphql } from './gql/index.js';
import { asAdmin, asSession, is, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { LINK_EVENTS, subscribeWs } from './helpers/events.js';
import { AddItem, Checkout, Claim, IssueLink } from './helpers/documents.js';
import { createSelection, seedCatalog } from './helpers/fixtures.js';
import { startInstance, startPrivateRedis } from './helpers/services.js';
import type { Instance, PrivateRedis } from './helpers/services.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  // With REDIS_URL (CI), this instance too announces and listens through Redis.
  t = await startTestApp({ CLAIM_RATE_LIMIT: '1000', ...(process.env.REDIS_URL && { REDIS_URL: process.env.REDIS_URL }) });
  url = await t.app.start();
  await seedCatalog(t);
});
afterAll(() => t.stop());

async function lastSequence(): Promise<string> {
  const newest = await db().linkEvent.findFirst({ orderBy: { sequence: 'desc' } });
  return (newest?.sequence ?? 0n).toString();
}

/**
 * Resolves once both instances are connected to the Redis on this port (a publisher and a
 * subscriber each) and both listen on the announcements' channel (each instance's event
 * stream subscribes): before that, an announcement could miss C, and only the minute's poll
 * would deliver it. After a restart the two resubscribe in either order.
 */
async function connectedToRedis(port: number): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null });
  try {
    for (;;) {
      const clients = String(await probe.client('LIST')).trim().split('\n').length - 1;
      const channels = (await probe.pubsub('CHANNELS')) as string[];
      const counts = channels.length === 0 ? [] : ((await probe.pubsub('NUMSUB', ...channels)) as (string | number)[]);
      const listeners = counts.filter((_, i) => i % 2 === 1).map(Number);
      if (clients >= 4 && listeners.some((n) => n >= 2)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    probe.disconnect();
  }
}

/** POSTs a document to a server over HTTP (any instance). */
async function post<T, V>(base: string, document: TypedDocumentNode<T, V>, variables: V, headers: Record<string, string>): Promise<T> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** Issues a link, claims it and buys the copy, all through `base`; returns the ids involved. */
async function runFlow(base: string, sku = 'MUG') {
  const selectionId = await createSelection(t);
  await t.admin(AddItem, { input: { selectionId, sku, quantity: 1 } });
  const issued = is((await post(base, IssueLink, { input: { selectionId, lockItems: true } }, asAdmin)).issueShareableLink, 'IssueShareableLinkSuccess');
  const claimed = is((await post(base, Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
  const bought = is(
    (await post(base, Checkout, { selectionId: claimed.selection.id, key: `events-${claimed.claim.id}`, email: 'events@example.com' }, asSession(claimed.sessionToken))).placeOrder,
    'PlaceOrderSuccess',
  );
  return { linkId: issued.link.id, claimId: claimed.claim.id, orderId: bought.order.id };
}

function expectFlow(events: { type: string; link: { id: string }; claim: { id: string } | null; order: { id: string } | null; sequence: string }[], flow: { linkId: string; claimId: string; orderId: string }) {
  expect(events.map((e) => [e.type, e.link.id, e.claim?.id ?? null, e.order?.id ?? null])).toEqual([
    ['ISSUED', flow.linkId, null, null],
    ['CLAIMED', flow.linkId, flow.claimId, null],
    ['CONSUMED', flow.linkId, flow.claimId, flow.orderId],
    ['ORDER_PLACED', flow.linkId, flow.claimId, flow.orderId],
  ]);
  const sequences = events.map((e) => BigInt(e.sequence));
  expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
}

describe('over graphql-ws', () => {
  it('delivers ISSUED, CLAIMED, CONSUMED and ORDER_PLACED as committed, in sequence order', async () => {
    const subscription = subscribeWs(url, { after: await lastSequence() });
    try {
      const flow = await runFlow(url);
      expectFlow(await subscription.next(4), flow);
    } finally {
      await subscription.close();
    }
  });

  it('filters by link and type', async () => {
    const after = await lastSequence();
    const first = await runFlow(url);
    const byLink = subscribeWs(url, { after, linkId: first.linkId, types: ['CLAIMED', 'CONSUMED'] });
    try {
      await runFlow(url);
      const events = await byLink.next(2);
      expect(events.map((e) => [e.type, e.link.id])).toEqual([['CLAIMED', first.linkId], ['CONSUMED', first.linkId]]);
    } finally {
      await byLink.close();
    }
  });

  it('publishes nothing for a rolled-back order', async () => {
    const subscription = subscribeWs(url, { after: await lastSequence() });
    try {
      const selectionId = await createSelection(t);
      await t.admin(AddItem, { input: { selectionId, sku: 'TEE-M', quantity: 3 } });
      const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: false } })).issueShareableLink, 'IssueShareableLinkSuccess');
      const claimed = is((await post(url, Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
      await db().stockLevel.updateMany({ where: { variant: { sku: 'TEE-M' } }, data: { quantity: 0 } });
      const refused = (await post(url, Checkout, { selectionId: claimed.selection.id, key: 'rolled-back', email: 'events@example.com' }, asSession(claimed.sessionToken))).placeOrder;
      expect(refused).toMatchObject({ __typename: 'OutOfStockError', code: 'OUT_OF_STOCK' });
      const after = await runFlow(url);
      const events = await subscription.next(6);
      expect(events.map((e) => e.type)).toEqual(['ISSUED', 'CLAIMED', 'ISSUED', 'CLAIMED', 'CONSUMED', 'ORDER_PLACED']);
      expectFlow(events.slice(2), after);
      expect(await db().linkEvent.count({ where: { linkId: issued.link.id, type: { in: ['CONSUMED', 'ORDER_PLACED'] } } })).toBe(0);
    } finally {
      await subscription.close();
    }
  });

  it('lets a dashboard that reconnects catch up by sequence, losing nothing', async () => {
    const first = subscribeWs(url, { after: await lastSequence() });
    const flowSeen = await runFlow(url);
    const seen = await first.next(4);
    await first.close();
    const missedFlow = await runFlow(url);
    const again = subscribeWs(url, { after: seen[3]!.sequence });
    try {
      expectFlow(seen, flowSeen);
      expectFlow(await again.next(4), missedFlow);
      // The catch-up query gives the same events.
      const stored = await t.admin(
        graphql(`query EventsCatchUp($after: String) { linkEvents(after: $after) { sequence type } }`),
        { after: seen[3]!.sequence },
      );
      expect(stored.linkEvents.map((e) => e.sequence)).toEqual(again.events.map((e) => e.sequence));
    } finally {
      await again.close();
    }
  });
});

/** Reads server-sent events from a POST until `count` data events arrived. */
async function sse(base: string, headers: Record<string, string>, variables: Record<string, unknown>, count: number, act: () => Promise<unknown>) {
  const controller = new AbortController();
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: LINK_EVENTS, variables }),
    signal: controller.signal,
  });
  const payloads: { data?: { linkEvents: never }; errors?: { message: string; extensions?: { code?: string } }[] }[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const acting = act();
  try {
    while (payloads.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('');
        if (data) payloads.push(JSON.parse(data));
        if (payloads.some((p) => p.errors)) return payloads;
      }
    }
    return payloads;
  } finally {
    await acting;
    controller.abort();
  }
}

describe('over server-sent events', () => {
  it('delivers the same events', async () => {
    let flow: Awaited<ReturnType<typeof runFlow>> | undefined;
    const payloads = await sse(url, asAdmin, { after: await lastSequence() }, 4, async () => {
      flow = await runFlow(url);
    });
    expectFlow(payloads.map((p) => p.data!.linkEvents), flow!);
  });

  it('refuses anonymous callers and sessions with FORBIDDEN, naming only the admin key', async () => {
    const selectionId = await createSelection(t);
    await t.admin(AddItem, { input: { selectionId, sku: 'MUG', quantity: 1 } });
    const issued = is((await t.admin(IssueLink, { input: { selectionId, lockItems: true } })).issueShareableLink, 'IssueShareableLinkSuccess');
    const claimed = is((await post(url, Claim, { input: { hash1: issued.link.hash1, hash2: issued.hash2 } }, {})).claimSelection, 'ClaimSelectionSuccess');
    const callers = [
      { headers: {}, message: 'linkEvents needs an admin key: send Authorization: Bearer <admin key>.' },
      { headers: asSession(claimed.sessionToken), message: 'linkEvents is for admins: a storefront session may not use it.' },
    ];
    for (const { headers, message } of callers) {
      const payloads = await sse(url, headers, {}, 1, async () => {});
      expect(payloads[0]?.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['FORBIDDEN', message]]);
    }
  });

  it('refuses a credential that is not valid with HTTP 401, naming its header', async () => {
    const callers = [
      { headers: asSession('no-such-session'), header: 'X-Session-Token', challenge: 'X-Session-Token realm="linkcart"' },
      { headers: { authorization: 'Bearer wrong-key' }, header: 'Authorization', challenge: 'Bearer realm="linkcart"' },
    ];
    for (const { headers, header, challenge } of callers) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query: LINK_EVENTS }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(challenge);
      const text = await response.text();
      expect(text).toContain('"code":"UNAUTHENTICATED"');
      expect(text).toContain(`"header":"${header}"`);
    }
  });
});

// A second instance is a separate server process on the same database, so what reaches one
// instance from the other crossed Redis (or, with Redis unreachable, the outbox poll).
describe.runIf(process.env.TEST_DATABASE_URL && process.env.REDIS_URL)('across instances', () => {
  const instances: Instance[] = [];
  const redises: PrivateRedis[] = [];

  async function startServer(env: Record<string, string>): Promise<string> {
    const instance = await startInstance({ DATABASE_URL: t.databaseUrl!, ...env });
    instances.push(instance);
    await instance.ready();
    return instance.base;
  }

  afterAll(async () => {
    for (const instance of instances) await instance.stop('SIGTERM');
    for (const redis of redises) await redis.close();
  });

  it('delivers events committed on B to subscribers on A, and back', async () => {
    const b = await startServer({ REDIS_URL: process.env.REDIS_URL! });
    const onA = subscribeWs(url, { after: await lastSequence() });
    const onB = subscribeWs(b, { after: await lastSequence() });
    try {
      const throughB = await runFlow(b);
      expectFlow(await onA.next(4), throughB);
      const throughA = await runFlow(url);
      expectFlow((await onB.next(8)).slice(4), throughA);
    } finally {
      await onA.close();
      await onB.close();
    }
  });

  it('keeps taking orders while Redis is down, and delivers everything once it is back', async () => {
    // A Redis of this test's own (test/helpers/services.ts), so that stopping it touches
    // nothing else; the instances poll only once a minute, so what arrives came through Redis.
    const redis = await startPrivateRedis();
    redises.push(redis);
    const { port } = redis;
    const env = { REDIS_URL: redis.url, LINK_EVENT_POLL_MS: '60000' };
    const [b, c] = await Promise.all([startServer(env), startServer(env)]);
    const onC = subscribeWs(c, { after: await lastSequence() });
    try {
      await connectedToRedis(port);
      const before = await runFlow(b);
      expectFlow(await onC.next(4), before);

      await redis.kill();
      const whileDown = await runFlow(b); // the mutations still succeed
      expect(await db().linkEvent.count({ where: { linkId: whileDown.linkId } })).toBe(4);

      await redis.start();
      // Once B and C are reconnected, the next announcement makes C read everything after the
      // last event it delivered: the four from while Redis was down, then the new four.
      await connectedToRedis(port);
      const after = await runFlow(b);
      const events = await onC.next(12, 30_000);
      expectFlow(events.slice(4, 8), whileDown);
      expectFlow(events.slice(8), after);
    } finally {
      await onC.close();
    }
  });

  it('keeps taking orders while Redis is unreachable, and the events still arrive', async () => {
    const noRedis = await startServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    const onA = subscribeWs(url, { after: await lastSequence() });
    try {
      const flow = await runFlow(noRedis);
      expectFlow(await onA.next(4), flow);
    } finally {
      await onA.close();
    }
  });
});
