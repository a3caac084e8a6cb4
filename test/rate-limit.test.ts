// Hardening items 2 and 3 (DESIGN.md §2). The claim rate limit: failed claims (LINK_NOT_FOUND)
// are counted per client (an IPv4 address, or an IPv6 /64), never per hash1; past
// CLAIM_RATE_LIMIT every claim from that client is RATE_LIMITED for the rest of the window, a
// right pair too, while the same link still claims from everyone else.
// The counts are shared across instances through Redis when REDIS_URL is set, in-process
// otherwise. The client address is the socket's peer, or the last X-Forwarded-For entry only
// with TRUST_PROXY. Secrets: admin keys, session tokens and hash2 are stored only as digests,
// compared in constant time, never logged; masked errors show clients no stack and no SQL.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { inspect } from 'node:util';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import type { App } from '../src/app.js';
import { createAdminKey } from '../src/auth/admin-key.js';
import { WINDOW_SECONDS, memoryRateLimiter, redisRateLimiter } from '../src/auth/rate-limit.js';
import type { RateLimiter } from '../src/auth/rate-limit.js';
import { digest, randomSecret, sameDigest } from '../src/auth/secrets.js';
import { loadConfig } from '../src/config.js';
import { db } from '../src/db/client.js';
import { clientKey } from '../src/services/link.js';
import { createLogger } from '../src/observability/log.js';
import { graphql } from './gql/index.js';
import type { TestClaimMutation } from './gql/graphql.js';
import { ADMIN_KEY, asSession, is, startTestApp } from './helpers/app.js';
import type { GraphQLResponse, TestApp } from './helpers/app.js';
import { AddItem, Checkout, Claim, CreateSelection, IssueLink, RevokeLink } from './helpers/documents.js';
import { mugLink, seedCatalog } from './helpers/fixtures.js';

// ---------------------------------------------------------------- documents

const SecretSelection = graphql(`
  query SecretSelection($id: ID!) {
    selection(id: $id) { id status items { sku quantity } }
  }
`);

const SecretOrder = graphql(`
  query SecretOrder($id: ID!) {
    order(id: $id) { id number status }
  }
`);

const SecretLinks = graphql(`
  query SecretLinks {
    shareableLinks(first: 5) { edges { node { id status } } }
  }
`);

// ---------------------------------------------------------------- helpers

type ClaimAnswer = TestClaimMutation['claimSelection'];
type Headers = Record<string, string>;

/** Runs a typed document against an app in-process (no socket: the peer address is unknown). */
async function send<T, V>(app: App, document: TypedDocumentNode<T, V>, variables: V, headers: Headers = {}): Promise<GraphQLResponse<T>> {
  const response = await app.yoga.fetch('http://linkcart.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** A claim through `app`, from the client that `x-forwarded-for` names (when given). */
async function claimOn(app: App, hash1: string, hash2: string, forwardedFor?: string, headers: Headers = {}): Promise<ClaimAnswer> {
  const response = await send(app, Claim, { input: { hash1, hash2 } }, forwardedFor === undefined ? headers : { ...headers, 'x-forwarded-for': forwardedFor });
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!.claimSelection;
}

/** A claim over a real HTTP connection to 127.0.0.1, from the loopback address `localAddress`. */
function claimOverHttp(baseUrl: string, hash1: string, hash2: string, headers: Headers = {}, localAddress = '127.0.0.1'): Promise<ClaimAnswer> {
  const body = JSON.stringify({ query: print(Claim), variables: { input: { hash1, hash2 } } });
  const port = new URL(baseUrl).port;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          try {
            const parsed = JSON.parse(text) as GraphQLResponse<TestClaimMutation>;
            expect(parsed.errors, text).toBeUndefined();
            resolve(parsed.data!.claimSelection);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A well-formed hash2 that is not the link's (a fresh 256-bit secret). */
const wrongHash2 = () => randomSecret(32);
/** A well-formed hash1 that no link has. */
const unknownHash1 = () => randomSecret(12);

function expectLinkNotFound(answer: ClaimAnswer) {
  expect(answer, JSON.stringify(answer)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_NOT_FOUND' });
}

function expectRateLimited(answer: ClaimAnswer): number {
  const limited = is(answer, 'RateLimitedError');
  expect(limited.code).toBe('RATE_LIMITED');
  expect(limited.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  expect(limited.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
  return limited.retryAfterSeconds;
}

function expectClaimed(answer: ClaimAnswer) {
  return is(answer, 'ClaimSelectionSuccess');
}

/** Rows a claim writes (or a refused claim must not). */
async function claimWrites() {
  const prisma = db();
  return {
    claim: await prisma.claim.count(),
    storefrontSession: await prisma.storefrontSession.count(),
    selection: await prisma.selection.count(),
    selectionItem: await prisma.selectionItem.count(),
    linkEvent: await prisma.linkEvent.count(),
  };
}

const config = (env: Headers) => loadConfig({ ADMIN_API_KEY: ADMIN_KEY, PORT: '0', ...env });

const RUN = randomBytes(4).toString('hex');
/** This run's addresses: 2001:<run>:<n>::1, a /64 of its own each (counts are per IPv6 /64). */
const ADDRESS_PREFIX = `2001:${parseInt(RUN.slice(0, 4), 16).toString(16)}:${parseInt(RUN.slice(4), 16).toString(16)}:`;
let addressCount = 0;
/** A client address no other test (nor another run sharing Redis) has used. */
const newAddress = () => {
  addressCount += 1;
  return `${ADDRESS_PREFIX}${addressCount.toString(16)}::1`;
};

const REDIS_PREFIX = 'linkcart:ratelimit:';

// The counts this run left in Redis (apps with REDIS_URL): its addresses.
afterAll(async () => {
  if (!process.env.REDIS_URL) return;
  const redis = new Redis(process.env.REDIS_URL);
  try {
    const keys = await redis.keys(`${REDIS_PREFIX}claim:address:${ADDRESS_PREFIX}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
});

const LIMIT = 3;

/**
 * The apps' clock: frozen, so an in-process count never reaches the end of its window however
 * slow the machine, and the wait it answers is always the whole window.
 */
const FROZEN = Date.parse('2030-01-01T00:00:00.000Z');
const frozenClock = { now: () => FROZEN };

// ---------------------------------------------------------------- through the API, in-process counts

describe('claim rate limit through the API (TRUST_PROXY on, counts in this process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CLAIM_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' }, frozenClock);
    await seedCatalog(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const claim = (link: { hash1: string }, hash2: string, address?: string, headers?: Headers) => claimOn(t.app, link.hash1, hash2, address, headers);

  it('after LIMIT wrong pairs from one address, the right pair from it is RATE_LIMITED and writes nothing', async () => {
    const link = await mugLink(t);
    const address = newAddress();
    // Each guess names another hash1, so only the address reaches the limit.
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), address));

    const before = await claimWrites();
    expect(expectRateLimited(await claim(link, link.hash2, address))).toBe(WINDOW_SECONDS);
    expect(await claimWrites()).toEqual(before);
    expect(await db().claim.count({ where: { linkId: link.linkId } })).toBe(0);
    expect((await db().shareableLink.findUniqueOrThrow({ where: { id: link.linkId } })).status).toBe('ACTIVE');

    // Still limited, and answered alike: a wrong pair, an unknown hash1.
    expectRateLimited(await claim(link, wrongHash2(), address));
    expectRateLimited(await claimOn(t.app, unknownHash1(), wrongHash2(), address));
    expect(await claimWrites()).toEqual(before);

    // Another address with the right pair claims (the link's hash1 has no failures).
    const other = expectClaimed(await claim(link, link.hash2, newAddress()));
    expect(other.claim.id).toBeTruthy();
    expect(await db().claim.count({ where: { linkId: link.linkId } })).toBe(1);
  });

  it('counts only past the limit: LIMIT - 1 failures leave the address free', async () => {
    const link = await mugLink(t);
    const address = newAddress();
    for (let i = 0; i < LIMIT - 1; i++) expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), address));
    expectClaimed(await claim(link, link.hash2, address));
    // The LIMIT-th failure is still answered LINK_NOT_FOUND; the next claim is refused.
    expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), address));
    expectRateLimited(await claimOn(t.app, unknownHash1(), wrongHash2(), address));
  });

  it('wrong hash2 guesses for one hash1 from many addresses lock none of them out, and not the link', async () => {
    const target = await mugLink(t);
    const guessers = Array.from({ length: LIMIT * 3 }, () => newAddress());
    for (const address of guessers) expectLinkNotFound(await claim(target, wrongHash2(), address));

    // The right pair claims, from an address that never failed and from one that guessed once.
    expectClaimed(await claim(target, target.hash2, newAddress()));
    expectClaimed(await claim(target, target.hash2, guessers[0]));
    expect(await db().claim.count({ where: { linkId: target.linkId } })).toBe(2);
  });

  it('counts an IPv6 client per /64: other addresses of the same network share its count', async () => {
    const link = await mugLink(t);
    const network = newAddress().replace(/::1$/, '');
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claim(link, wrongHash2(), `${network}::${(i + 2).toString(16)}`));
    expectRateLimited(await claim(link, link.hash2, `${network}:ffff:ffff:ffff:ffff`));
    expectClaimed(await claim(link, link.hash2, newAddress()));
  });

  it('does not count LINK_REVOKED, LINK_USED or LINK_EXPIRED answers as failures', async () => {
    const fresh = await mugLink(t);

    const revoked = await mugLink(t);
    is((await t.admin(RevokeLink, { input: { linkId: revoked.linkId } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const revokedFrom = newAddress();
    for (let i = 0; i < LIMIT * 2; i++) {
      expect(await claim(revoked, revoked.hash2, revokedFrom)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_REVOKED' });
    }

    const used = await mugLink(t);
    const buyer = expectClaimed(await claim(used, used.hash2, newAddress()));
    const bought = await t.data(Checkout, { selectionId: buyer.selection.id, key: `rate-${randomUUID()}` }, asSession(buyer.sessionToken));
    is(bought.placeOrder, 'PlaceOrderSuccess');
    const usedFrom = newAddress();
    for (let i = 0; i < LIMIT * 2; i++) {
      expect(await claim(used, used.hash2, usedFrom)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_USED' });
    }

    const expired = await mugLink(t);
    await db().shareableLink.update({ where: { id: expired.linkId }, data: { expiresAt: new Date('2020-01-01T00:00:00.000Z') } });
    const expiredFrom = newAddress();
    for (let i = 0; i < LIMIT * 2; i++) {
      expect(await claim(expired, expired.hash2, expiredFrom)).toMatchObject({ __typename: 'LinkUnavailableError', code: 'LINK_EXPIRED' });
    }

    // Neither the addresses nor the hash1s were counted on.
    expectClaimed(await claim(fresh, fresh.hash2, revokedFrom));
    const another = await mugLink(t);
    expectClaimed(await claim(another, another.hash2, usedFrom));
    const third = await mugLink(t);
    expectClaimed(await claim(third, third.hash2, expiredFrom));
    expect(await claim(revoked, revoked.hash2, newAddress())).toMatchObject({ code: 'LINK_REVOKED' });
    expect(await claim(used, used.hash2, newAddress())).toMatchObject({ code: 'LINK_USED' });
  });

  it('but a wrong hash2 for a revoked link is a failure like any other (no oracle)', async () => {
    const revoked = await mugLink(t);
    is((await t.admin(RevokeLink, { input: { linkId: revoked.linkId } })).revokeShareableLink, 'RevokeShareableLinkSuccess');
    const address = newAddress();
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claim(revoked, wrongHash2(), address));
    const link = await mugLink(t);
    expectRateLimited(await claim(link, link.hash2, address));
  });

  it('counts the LAST X-Forwarded-For entry: "spoofed, real" is counted as real', async () => {
    const link = await mugLink(t);
    const real = newAddress();
    // The client varies what it claims to be; the proxy's entry (last) stays the same.
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), `${newAddress()}, ${real}`));
    expectRateLimited(await claim(link, link.hash2, `${newAddress()}, ${real}`));
    expectRateLimited(await claim(link, link.hash2, `${newAddress()},${real}`));
    expectRateLimited(await claim(link, link.hash2, real));
    // `real` as the client's own (first) entry is not the counted one.
    expectClaimed(await claim(link, link.hash2, `${real}, ${newAddress()}`));

    // And a client that always claims to be the same spoofed address does not share its limit.
    const spoofed = newAddress();
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), `${spoofed}, ${newAddress()}`));
    const next = await mugLink(t);
    expectClaimed(await claim(next, next.hash2, `${spoofed}, ${newAddress()}`));
  });

  it('without X-Forwarded-For, counts the socket address even with TRUST_PROXY', async () => {
    const url = await t.app.start();
    const link = await mugLink(t);
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOverHttp(url, unknownHash1(), wrongHash2()));
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2));
    // From the same socket address behind the proxy, another client is counted by its entry.
    expectClaimed(await claimOverHttp(url, link.hash1, link.hash2, { 'x-forwarded-for': newAddress() }));
  });

  it('keeps the counts in this process without REDIS_URL: a second instance does not share them', async () => {
    const second = await buildApp(config({ CLAIM_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' }), { database: t.database, ...frozenClock });
    try {
      const link = await mugLink(t);
      const address = newAddress();
      for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(t.app, unknownHash1(), wrongHash2(), address));
      expectRateLimited(await claimOn(t.app, link.hash1, link.hash2, address));
      expectClaimed(await claimOn(second, link.hash1, link.hash2, address));
    } finally {
      await second.stop();
    }
  });

  it('with REDIS_URL unreachable, falls back to counting in this process: still limited, no errors', async () => {
    const log: string[] = [];
    const second = await buildApp(config({ CLAIM_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true', REDIS_URL: 'redis://127.0.0.1:1' }), {
      database: t.database,
      log: (message) => log.push(message),
      ...frozenClock,
    });
    try {
      const link = await mugLink(t);
      const address = newAddress();
      for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(second, unknownHash1(), wrongHash2(), address));
      const before = await claimWrites();
      // The whole window is left: the clock has not moved since the first failure.
      expect(expectRateLimited(await claimOn(second, link.hash1, link.hash2, address))).toBe(WINDOW_SECONDS);
      expect(await claimWrites()).toEqual(before);
      expectClaimed(await claimOn(second, link.hash1, link.hash2, newAddress()));
      expect(log.filter((line) => line.startsWith('rate limits: Redis is down'))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

// ---------------------------------------------------------------- TRUST_PROXY off

describe('claim rate limit with TRUST_PROXY off', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ CLAIM_RATE_LIMIT: String(LIMIT) }, frozenClock);
    url = await t.app.start();
    await seedCatalog(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('ignores X-Forwarded-For: different values share the limit of the one socket address', async () => {
    const link = await mugLink(t);
    for (let i = 0; i < LIMIT; i++) {
      expectLinkNotFound(await claimOverHttp(url, unknownHash1(), wrongHash2(), { 'x-forwarded-for': newAddress() }, '127.0.0.1'));
    }
    const before = await claimWrites();
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, { 'x-forwarded-for': newAddress() }, '127.0.0.1'));
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, {}, '127.0.0.1'));
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, { 'x-forwarded-for': `${newAddress()}, ${newAddress()}` }, '127.0.0.1'));
    expect(await claimWrites()).toEqual(before);

    // Another socket address (127.0.0.2 is loopback too) has its own count, whatever its XFF says.
    expectClaimed(await claimOverHttp(url, link.hash1, link.hash2, {}, '127.0.0.2'));
  });

  it('wrong pairs naming one hash1 from eleven addresses (127.0.0.2 … 127.0.0.12) leave the right pair claimable', async () => {
    const link = await mugLink(t);
    const guessers = Array.from({ length: 11 }, (_, i) => `127.0.0.${i + 2}`);
    for (const address of guessers) expectLinkNotFound(await claimOverHttp(url, link.hash1, wrongHash2(), {}, address));
    // Nobody is locked out: not a fresh address, not a guesser with one failure.
    expectClaimed(await claimOverHttp(url, link.hash1, link.hash2, {}, '127.0.0.13'));
    expectClaimed(await claimOverHttp(url, link.hash1, link.hash2, {}, '127.0.0.12'));
    // One address that reaches the limit is still refused, the right pair too.
    for (let i = 0; i < LIMIT - 1; i++) expectLinkNotFound(await claimOverHttp(url, link.hash1, wrongHash2(), {}, '127.0.0.11'));
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, {}, '127.0.0.11'));
  });

  it('does not let a changed X-Forwarded-For take the limit away from the socket address', async () => {
    const link = await mugLink(t);
    for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOverHttp(url, unknownHash1(), wrongHash2(), {}, '127.0.1.3'));
    const spoof = newAddress();
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, { 'x-forwarded-for': spoof }, '127.0.1.3'));
    expectRateLimited(await claimOverHttp(url, link.hash1, link.hash2, { 'x-forwarded-for': `${spoof}, ${newAddress()}` }, '127.0.1.3'));
  });
});

// ---------------------------------------------------------------- through Redis, across instances

describe.runIf(process.env.REDIS_URL)('claim rate limit through Redis (REDIS_URL): shared across instances', () => {
  const redisUrl = process.env.REDIS_URL!;
  const PREFIX = REDIS_PREFIX;
  const env = { CLAIM_RATE_LIMIT: String(LIMIT), TRUST_PROXY: 'true', REDIS_URL: redisUrl };
  let t: TestApp;
  let second: App;
  let redis: Redis;

  /**
   * Waits (by polling, not sleeping) until `app` counts failures in Redis: a freshly built
   * instance counts in-process until its connection is up (see the redisRateLimiter tests).
   */
  async function countingInRedis(app: App) {
    await vi.waitFor(
      async () => {
        const probe = newAddress();
        expectLinkNotFound(await claimOn(app, unknownHash1(), wrongHash2(), probe));
        expect(await redis.exists(`${PREFIX}claim:address:${clientKey(probe)}`)).toBe(1);
      },
      { timeout: 60_000, interval: 10 },
    );
  }

  beforeAll(async () => {
    t = await startTestApp(env);
    second = await buildApp(config(env), { database: t.database });
    redis = new Redis(redisUrl);
    await seedCatalog(t);
    await countingInRedis(t.app);
    await countingInRedis(second);
  });
  afterAll(async () => {
    redis?.disconnect();
    await second?.stop();
    await t?.stop();
  });

  it('failures on one instance block the address on the other, for the TTL Redis holds', async () => {
    const link = await mugLink(t);
    const address = newAddress();
    for (let i = 0; i < LIMIT; i++) {
      const hash1 = unknownHash1();
      expectLinkNotFound(await claimOn(t.app, hash1, wrongHash2(), address));
    }
    expect(await redis.get(`${PREFIX}claim:address:${clientKey(address)}`)).toBe(String(LIMIT));
    const ttl = await redis.ttl(`${PREFIX}claim:address:${clientKey(address)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(WINDOW_SECONDS);

    const before = await claimWrites();
    const retryAfter = expectRateLimited(await claimOn(second, link.hash1, link.hash2, address));
    // Redis's TTL, counting down in real time: between the reads before and after the claim.
    expect(retryAfter).toBeLessThanOrEqual(ttl);
    expect(retryAfter).toBeGreaterThanOrEqual(await redis.ttl(`${PREFIX}claim:address:${clientKey(address)}`));
    expectRateLimited(await claimOn(t.app, link.hash1, link.hash2, address));
    expect(await claimWrites()).toEqual(before);
    expectClaimed(await claimOn(second, link.hash1, link.hash2, newAddress()));
  });

  it('guesses for one hash1 from many addresses, over both instances, lock nobody out of the link', async () => {
    const target = await mugLink(t);
    const apps = [t.app, second, t.app];
    for (let i = 0; i < LIMIT * 2; i++) {
      expectLinkNotFound(await claimOn(apps[i % apps.length]!, target.hash1, wrongHash2(), newAddress()));
    }
    expect(await redis.keys(`${PREFIX}claim:hash1:*`)).toEqual([]);
    expectClaimed(await claimOn(t.app, target.hash1, target.hash2, newAddress()));
    expectClaimed(await claimOn(second, target.hash1, target.hash2, newAddress()));
  });

  it('expires the lock with the Redis key: once it is gone, both instances accept the address again', async () => {
    const link = await mugLink(t);
    const address = newAddress();
    for (let i = 0; i < LIMIT; i++) {
      const hash1 = unknownHash1();
      expectLinkNotFound(await claimOn(second, hash1, wrongHash2(), address));
    }
    expectRateLimited(await claimOn(t.app, link.hash1, link.hash2, address));
    // The window's end, without waiting for it: the key expires.
    await redis.del(`${PREFIX}claim:address:${clientKey(address)}`);
    expectClaimed(await claimOn(t.app, link.hash1, link.hash2, address));
  });
});

// ---------------------------------------------------------------- memoryRateLimiter

describe('clientKey', () => {
  it('is the IPv4 address, also when written IPv4-mapped', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the /64 network of an IPv6 address, however it is written', () => {
    const key = clientKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0:0:0:0:0/64');
  });

  it('drops a port a proxy appended, and counts whatever is not an address as one client', () => {
    expect(clientKey('203.0.113.7:5678')).toBe('203.0.113.7');
    expect(clientKey('[2001:db8:1:2::1]:443')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('[2001:db8:1:2::1]')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:0/64');
    for (const junk of ['unknown', '1.2.3', 'not an address', '999.1.1.1', '']) expect(clientKey(junk)).toBe('unparsed');
  });
});

describe('memoryRateLimiter', () => {
  const START = Date.parse('2030-01-01T00:00:00.000Z');
  let clock = START;
  const now = () => clock;
  const at = (ms: number) => {
    clock = START + ms;
  };

  it('counts failures per key: a key is over the limit at `limit` failures, other keys are not', async () => {
    at(0);
    const limiter = memoryRateLimiter(3, { windowSeconds: 60, now });
    await limiter.fail(['a']);
    await limiter.fail(['a']);
    expect(await limiter.retryAfter(['a'])).toBe(0);
    await limiter.fail(['a']);
    expect(await limiter.retryAfter(['a'])).toBe(60);
    expect(await limiter.retryAfter(['b'])).toBe(0);
    expect(await limiter.retryAfter([])).toBe(0);
    // Any key over the limit refuses the attempt.
    expect(await limiter.retryAfter(['b', 'a'])).toBe(60);
  });

  it('counts one failure against every key given', async () => {
    at(0);
    const limiter = memoryRateLimiter(2, { windowSeconds: 60, now });
    await limiter.fail(['address', 'hash1-x']);
    await limiter.fail(['address', 'hash1-y']);
    expect(await limiter.retryAfter(['address'])).toBe(60);
    expect(await limiter.retryAfter(['hash1-x'])).toBe(0);
    expect(await limiter.retryAfter(['hash1-y'])).toBe(0);
    await limiter.fail(['other', 'hash1-x']);
    expect(await limiter.retryAfter(['hash1-x'])).toBe(60);
    expect(await limiter.retryAfter(['other'])).toBe(0);
  });

  it('answers the seconds left in a fixed window that starts at the first failure, rounded up', async () => {
    at(0);
    const limiter = memoryRateLimiter(2, { windowSeconds: 60, now });
    await limiter.fail(['k']);
    at(50_000);
    await limiter.fail(['k']);
    // Fixed: the second failure does not extend the window.
    expect(await limiter.retryAfter(['k'])).toBe(10);
    at(59_001);
    expect(await limiter.retryAfter(['k'])).toBe(1);
    at(59_999);
    expect(await limiter.retryAfter(['k'])).toBe(1);
  });

  it('resets after the window: the key is free, and counts start again from zero', async () => {
    at(0);
    const limiter = memoryRateLimiter(2, { windowSeconds: 60, now });
    await limiter.fail(['k']);
    await limiter.fail(['k']);
    expect(await limiter.retryAfter(['k'])).toBe(60);
    at(60_000);
    expect(await limiter.retryAfter(['k'])).toBe(0);
    await limiter.fail(['k']);
    expect(await limiter.retryAfter(['k'])).toBe(0);
    at(61_000);
    await limiter.fail(['k']);
    // The new window started with the failure at 60 s.
    expect(await limiter.retryAfter(['k'])).toBe(59);
    at(120_000);
    expect(await limiter.retryAfter(['k'])).toBe(0);
  });

  it('defaults to a window of WINDOW_SECONDS (15 minutes)', async () => {
    at(0);
    expect(WINDOW_SECONDS).toBe(900);
    const limiter = memoryRateLimiter(1, { now });
    await limiter.fail(['k']);
    expect(await limiter.retryAfter(['k'])).toBe(900);
    at(899_500);
    expect(await limiter.retryAfter(['k'])).toBe(1);
    at(900_000);
    expect(await limiter.retryAfter(['k'])).toBe(0);
    await limiter.close();
  });

  it('holds at most maxKeys keys (200,000 counted into 100,000): past it the least recently counted is dropped', async () => {
    at(0);
    const limiter = memoryRateLimiter(1, { windowSeconds: 60, now, maxKeys: 100_000 });
    for (let i = 0; i < 200_000; i++) await limiter.fail([`k${i}`]);
    expect(await limiter.retryAfter(['k0'])).toBe(0);
    expect(await limiter.retryAfter(['k99999'])).toBe(0);
    expect(await limiter.retryAfter(['k100000'])).toBe(60);
    expect(await limiter.retryAfter(['k199999'])).toBe(60);
    // A key counted again keeps its place and its count.
    at(30_000);
    await limiter.fail(['k150000']);
    expect(await limiter.retryAfter(['k150000'])).toBe(30);
  });

  it('frees expired keys and, at the cap, the least recently counted one', async () => {
    at(0);
    const limiter = memoryRateLimiter(1, { windowSeconds: 60, now, maxKeys: 3 });
    await limiter.fail(['a']);
    await limiter.fail(['b']);
    at(61_000);
    await limiter.fail(['c']);
    await limiter.fail(['d']);
    await limiter.fail(['e']);
    expect(await Promise.all(['c', 'd', 'e'].map((key) => limiter.retryAfter([key])))).toEqual([60, 60, 60]);
    // At the cap of 3, a fourth new key drops the oldest live one.
    await limiter.fail(['f']);
    expect(await Promise.all(['c', 'd', 'e', 'f'].map((key) => limiter.retryAfter([key])))).toEqual([0, 60, 60, 60]);
  });

  it('keeps separate limiters separate', async () => {
    at(0);
    const one = memoryRateLimiter(1, { windowSeconds: 60, now });
    const two = memoryRateLimiter(1, { windowSeconds: 60, now });
    await one.fail(['k']);
    expect(await one.retryAfter(['k'])).toBe(60);
    expect(await two.retryAfter(['k'])).toBe(0);
  });
});

// ---------------------------------------------------------------- redisRateLimiter

describe.runIf(process.env.REDIS_URL)('redisRateLimiter', () => {
  const redisUrl = process.env.REDIS_URL!;
  const PREFIX = REDIS_PREFIX;
  const run = `rate-test:${RUN}:${randomBytes(4).toString('hex')}`;
  const key = (name: string) => `${run}:${name}`;
  let redis: Redis;
  const opened: RateLimiter[] = [];

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    for (const limiter of opened) await limiter.close();
    const keys = await redis.keys(`${PREFIX}${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function limiter(limit: number, log: (message: string) => void = () => {}, windowSeconds = 60): Promise<RateLimiter> {
    const created = await redisRateLimiter(redisUrl, limit, log, { windowSeconds });
    opened.push(created);
    return created;
  }

  let probes = 0;
  /**
   * A limiter whose connection is up: a probe failure (on a key of its own) reached Redis.
   * Polls for that condition rather than sleeping; the log only records what comes after.
   */
  async function connectedLimiter(limit: number, windowSeconds = 60) {
    const messages: string[] = [];
    let recording = false;
    const created = await limiter(limit, (message) => void (recording && messages.push(message)), windowSeconds);
    const probe = key(`probe-${(probes += 1)}`);
    await vi.waitFor(
      async () => {
        await created.fail([probe]);
        expect(await redis.exists(PREFIX + probe)).toBe(1);
      },
      { timeout: 60_000, interval: 10 },
    );
    recording = true;
    return { limiter: created, messages };
  }

  let references = 0;
  /** A key that expires in `seconds`: its TTL counts down beside the limiter's keys. */
  async function reference(seconds: number): Promise<string> {
    const name = key(`reference-${(references += 1)}`);
    await redis.set(PREFIX + name, '0', 'EX', seconds);
    return name;
  }

  /**
   * Redis counts TTLs down in real time. Instead of allowing for the time a test takes, a window
   * that opened after key `earlier` and before key `later` got the same TTL has no more left
   * than `later` (read first) and no less than `earlier` (read last).
   */
  async function expectWithin(read: () => Promise<number>, earlier: string, later: string) {
    const most = await redis.ttl(PREFIX + later);
    const seconds = await read();
    const least = await redis.ttl(PREFIX + earlier);
    expect(seconds).toBeLessThanOrEqual(most);
    expect(seconds).toBeGreaterThanOrEqual(least);
  }

  it('shares counts between two instances on the same Redis: failures on one block on the other', async () => {
    const { limiter: a, messages } = await connectedLimiter(3);
    const { limiter: b } = await connectedLimiter(3);
    const k = key('shared');
    const earlier = await reference(60);
    await a.fail([k]);
    const later = await reference(60);
    await b.fail([k]);
    expect(await a.retryAfter([k])).toBe(0);
    expect(await b.retryAfter([k])).toBe(0);
    expect(await redis.get(PREFIX + k)).toBe('2');
    await a.fail([k]);
    expect(await redis.get(PREFIX + k)).toBe('3');
    await expectWithin(() => b.retryAfter([k]), earlier, later);
    await expectWithin(() => a.retryAfter([k]), earlier, later);
    expect(await b.retryAfter([key('other')])).toBe(0);
    // A third instance, started later, sees the same count.
    const { limiter: c } = await connectedLimiter(3);
    await expectWithin(() => c.retryAfter([k]), earlier, later);
    expect(messages).toEqual([]);
  });

  it('uses Redis from the first call of a new instance, not the in-process fall back while it connects', async () => {
    // An instance that starts while an address is locked out must refuse it at once, and a
    // failure it counts at once must reach the other instances.
    const locked = key('fresh-instance');
    await redis.set(PREFIX + locked, '5', 'EX', 60);
    const most = await redis.ttl(PREFIX + locked);
    const log = vi.fn<(message: string) => void>();
    const fresh = await limiter(3, log);
    const wait = await fresh.retryAfter([locked]);
    const counted = key('fresh-fail');
    const next = await limiter(3, log);
    await next.fail([counted]);
    expect(log.mock.calls).toEqual([]);
    // Redis's TTL of the key, between the reads before and after.
    expect(wait).toBeLessThanOrEqual(most);
    expect(wait).toBeGreaterThanOrEqual(await redis.ttl(PREFIX + locked));
    expect(await redis.get(PREFIX + counted)).toBe('1');
  });

  it('answers the TTL of the over-limit key as retryAfter', async () => {
    const { limiter: a, messages } = await connectedLimiter(3);
    const k = key('ttl');
    await redis.set(PREFIX + k, '5', 'EX', 420);
    await expectWithin(() => a.retryAfter([k]), k, k);
    await redis.expire(PREFIX + k, 200);
    await expectWithin(() => a.retryAfter([k]), k, k);
    // The largest wait of the keys over the limit; a key under the limit adds none.
    const longer = key('ttl-longer');
    const under = key('ttl-under');
    await redis.set(PREFIX + longer, '3', 'EX', 600);
    await redis.set(PREFIX + under, '2', 'EX', 800);
    await expectWithin(() => a.retryAfter([k, longer, under]), longer, longer);
    expect(await a.retryAfter([under])).toBe(0);
    // A count without a TTL waits a whole window rather than forever or not at all.
    const noTtl = key('no-ttl');
    await redis.set(PREFIX + noTtl, '9');
    expect(await a.retryAfter([noTtl])).toBe(60);
    expect(messages).toEqual([]);
  });

  it('starts the window at the first failure: later failures do not extend the TTL', async () => {
    const { limiter: a, messages } = await connectedLimiter(3, 60);
    const k = key('fixed');
    const earlier = await reference(60);
    await a.fail([k]);
    const later = await reference(60);
    await expectWithin(() => redis.ttl(PREFIX + k), earlier, later);
    // A TTL no failure would set: later failures neither reset it to the window nor extend it.
    const beforeExpire = await reference(200);
    await redis.expire(PREFIX + k, 200);
    const afterExpire = await reference(200);
    await a.fail([k]);
    await a.fail([k]);
    expect(await redis.get(PREFIX + k)).toBe('3');
    await expectWithin(() => redis.ttl(PREFIX + k), beforeExpire, afterExpire);
    await expectWithin(() => a.retryAfter([k]), beforeExpire, afterExpire);
    // Once the key is gone (the window is over), the attempts are accepted again.
    await redis.del(PREFIX + k);
    expect(await a.retryAfter([k])).toBe(0);
    expect(messages).toEqual([]);
  });
});

describe('redisRateLimiter with Redis unreachable', () => {
  it('falls back to counting in this process without throwing, and says so in the log once', async () => {
    const log = vi.fn<(message: string) => void>();
    const clock = Date.parse('2030-01-01T00:00:00.000Z');
    const limiter = await redisRateLimiter('redis://127.0.0.1:1', 2, log, { windowSeconds: 60, now: () => clock });
    try {
      await expect(limiter.retryAfter(['k'])).resolves.toBe(0);
      await expect(limiter.fail(['k', 'other'])).resolves.toBeUndefined();
      expect(await limiter.retryAfter(['k'])).toBe(0);
      await limiter.fail(['k']);
      expect(await limiter.retryAfter(['k'])).toBe(60);
      expect(await limiter.retryAfter(['other'])).toBe(0);
      // Once it knows Redis is away, a call counts here at once instead of waiting on Redis again.
      expect(log.mock.calls).toHaveLength(1);
      expect(log.mock.calls[0]![0]).toMatch(/^rate limits: Redis is down \(.+\); falling back until it answers$/);
    } finally {
      await limiter.close();
    }
  });
});

// ---------------------------------------------------------------- secrets

describe('sameDigest and the secrets', () => {
  it('is false, without throwing, for digests of different lengths', () => {
    const full = digest('a secret');
    expect(() => sameDigest(full, full.subarray(0, 31))).not.toThrow();
    expect(sameDigest(full, full.subarray(0, 31))).toBe(false);
    expect(sameDigest(full.subarray(0, 31), full)).toBe(false);
    expect(sameDigest(new Uint8Array(0), full)).toBe(false);
    expect(sameDigest(full, new Uint8Array(64))).toBe(false);
    expect(sameDigest(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('is true for equal digests and false when one byte differs', () => {
    const a = digest('a secret');
    expect(sameDigest(a, digest('a secret'))).toBe(true);
    const b = new Uint8Array(a);
    b[31] = b[31]! ^ 1;
    expect(sameDigest(a, b)).toBe(false);
    expect(sameDigest(digest('a secret'), digest('a secreT'))).toBe(false);
  });

  it('digests are the 32-byte SHA-256 of the UTF-8 secret; secrets are URL-safe with at least 128 random bits', () => {
    const secret = 'näive-sécret';
    expect(Buffer.from(digest(secret)).equals(createHash('sha256').update(Buffer.from(secret, 'utf8')).digest())).toBe(true);
    expect(digest(secret)).toHaveLength(32);
    const secrets = new Set(Array.from({ length: 50 }, () => randomSecret(32)));
    expect(secrets.size).toBe(50);
    for (const s of secrets) {
      expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(s, 'base64url')).toHaveLength(32);
    }
    expect(Buffer.from(randomSecret(16), 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });
});

/** Records everything written to the console, stdout and stderr until restored. */
function captureOutput() {
  const lines: string[] = [];
  const format = (args: unknown[]) => args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 8, showHidden: true }))).join(' ');
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const spies = [
    ...methods.map((method) => vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(format(args)))),
    ...[process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }) as typeof stream.write),
    ),
  ];
  return {
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Every form a leaked secret could take in a log line or a stored row. */
const leakedForms = (secret: string) => [secret, Buffer.from(secret, 'utf8').toString('hex'), Buffer.from(secret, 'utf8').toString('base64')];

describe('secrets through the API', () => {
  let t: TestApp;
  /** An instance whose log goes to appLog, sharing the test database. */
  let logged: App;
  const appLog: string[] = [];
  const env = { TRUST_PROXY: 'true', CLAIM_RATE_LIMIT: String(LIMIT), ...(process.env.REDIS_URL && { REDIS_URL: process.env.REDIS_URL }) };
  beforeAll(async () => {
    t = await startTestApp();
    await seedCatalog(t);
    // Its request log (JSON lines) goes to appLog as well: the scan below covers it.
    const logger = createLogger({ level: 'trace', stream: { write: (line: string) => void appLog.push(line) } });
    logged = await buildApp(config(env), { database: t.database, log: (message) => appLog.push(message), logger });
  });
  afterAll(async () => {
    await logged?.stop();
    await t?.stop();
  });

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  /** Makes the claim's lookup fail with a real database error for the duration of `run`. */
  async function withBrokenClaimLookup<T>(run: () => Promise<T>): Promise<T> {
    await db().$executeRawUnsafe('ALTER TABLE "ShareableLink" RENAME COLUMN "hash2Digest" TO "hash2DigestMoved"');
    try {
      return await run();
    } finally {
      await db().$executeRawUnsafe('ALTER TABLE "ShareableLink" RENAME COLUMN "hash2DigestMoved" TO "hash2Digest"');
    }
  }

  function expectMasked(response: GraphQLResponse<unknown>) {
    const text = JSON.stringify(response);
    expect(response.errors, text).toHaveLength(1);
    const [error] = response.errors!;
    expect(error!.message).toBe('Unexpected error.');
    expect(Object.keys(error!.extensions ?? {}).filter((k) => k !== 'code')).toEqual([]);
    for (const leak of ['stack', 'originalError', 'SELECT', 'ShareableLink', 'hash2Digest', 'does not exist', '42703', 'prisma', 'Prisma', '.ts:', 'node_modules', '    at ']) {
      expect(text, `the masked error shows "${leak}"`).not.toContain(leak);
    }
  }

  async function adminLink(key: string) {
    const created = is((await send(logged, CreateSelection, { input: { marketCode: 'SE', pricelistCode: 'SEK', countryCode: 'SE' } }, bearer(key))).data!.createSelection, 'CreateSelectionSuccess');
    const selectionId = created.selection.id;
    is((await send(logged, AddItem, { input: { selectionId, sku: 'MUG', quantity: 2 } }, bearer(key))).data!.addSelectionItem, 'AddSelectionItemSuccess');
    const issued = is((await send(logged, IssueLink, { input: { selectionId, lockItems: false } }, bearer(key))).data!.issueShareableLink, 'IssueShareableLinkSuccess');
    return { selectionId, linkId: issued.link.id, hash1: issued.link.hash1, hash2: issued.hash2 };
  }

  it('answers a length mismatch anywhere (admin key, session token, hash2) as a plain mismatch, never an error', async () => {
    const link = await mugLink(t);
    const refusedHeader = (response: GraphQLResponse<unknown>) =>
      response.errors?.map((e) => [e.extensions?.code, e.extensions?.header, (e.extensions as { http?: unknown })?.http]);
    for (const key of ['x', ADMIN_KEY.slice(0, -1), `${ADMIN_KEY}x`, 'k'.repeat(512), 'k'.repeat(513)]) {
      const response = await t.request(SecretLinks, {}, bearer(key));
      expect(refusedHeader(response), JSON.stringify(response)).toEqual([['UNAUTHENTICATED', 'Authorization', undefined]]);
    }
    for (const token of ['x', 'y'.repeat(42), 'y'.repeat(44), 'z'.repeat(600)]) {
      const response = await t.request(SecretSelection, { id: link.selectionId }, asSession(token));
      expect(refusedHeader(response), JSON.stringify(response)).toEqual([['UNAUTHENTICATED', 'X-Session-Token', undefined]]);
      expect(response.data ?? null).toBeNull();
    }
    for (const hash2 of ['x', link.hash2.slice(0, -1), `${link.hash2}x`, 'h'.repeat(64), 'h'.repeat(65), '']) {
      const response = await t.request(Claim, { input: { hash1: link.hash1, hash2 } });
      expect(response.errors, JSON.stringify(response)).toBeUndefined();
      expect(response.data!.claimSelection.__typename).not.toBe('ClaimSelectionSuccess');
    }
  });

  it('masks an unexpected error: no stack, no SQL, nothing written', async () => {
    const link = await mugLink(t);
    const before = await claimWrites();
    const response = await withBrokenClaimLookup(() => t.request(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } }));
    expectMasked(response);
    expect(await claimWrites()).toEqual(before);
    // And the link still works afterwards.
    expectClaimed((await t.data(Claim, { input: { hash1: link.hash1, hash2: link.hash2 } }, {})).claimSelection);
  });

  it('never logs an admin key, a session token or a hash2 during a whole flow with errors', async () => {
    const storedKey = await createAdminKey(`secret-flow-${RUN}`);
    const secrets: Record<string, string> = { bootstrapKey: ADMIN_KEY, storedKey };
    const client = { 'x-forwarded-for': newAddress() };
    const capture = captureOutput();
    try {
      console.log('capture check');

      // Admin, with the bootstrap key and with a stored key.
      const first = await adminLink(storedKey);
      const second = await adminLink(ADMIN_KEY);
      secrets.hash2 = first.hash2;
      secrets.secondHash2 = second.hash2;
      expect((await send(logged, SecretLinks, {}, bearer(storedKey))).errors).toBeUndefined();

      // Wrong admin keys: near misses of both.
      for (const key of [`${storedKey}x`, storedKey.slice(0, -1), `${ADMIN_KEY.slice(0, -1)}y`]) {
        const refused = await send(logged, SecretLinks, {}, bearer(key));
        expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      }

      // Claims: a wrong hash2 (a near miss of the real one), a malformed one, then the right pair.
      expectLinkNotFound(await claimOn(logged, first.hash1, `${first.hash2.slice(0, -1)}${first.hash2.endsWith('A') ? 'B' : 'A'}`, client['x-forwarded-for']));
      expectLinkNotFound(await claimOn(logged, first.hash1, `${first.hash2}!`, client['x-forwarded-for']));
      const claimed = expectClaimed(await claimOn(logged, first.hash1, first.hash2, client['x-forwarded-for']));
      const token = claimed.sessionToken;
      secrets.sessionToken = token;
      const session = { ...client, ...asSession(token) };

      // Session calls: read, change, order, read the order.
      expect((await send(logged, SecretSelection, { id: claimed.selection.id }, session)).data?.selection?.items).toEqual([{ sku: 'MUG', quantity: 2 }]);
      is((await send(logged, AddItem, { input: { selectionId: claimed.selection.id, sku: 'TEE-S', quantity: 1 } }, session)).data!.addSelectionItem, 'AddSelectionItemSuccess');
      const bought = (await send(logged, Checkout, { selectionId: claimed.selection.id, key: `secret-${RUN}` }, session)).data!;
      is(bought.setCustomer, 'SetCustomerSuccess');
      const order = is(bought.placeOrder, 'PlaceOrderSuccess').order;
      expect((await send(logged, SecretOrder, { id: order.id }, session)).data?.order?.id).toBe(order.id);

      // Session errors: an admin-only query, ordering again, a near-miss token, the used link.
      expect((await send(logged, SecretLinks, {}, session)).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const again = (await send(logged, Checkout, { selectionId: claimed.selection.id, key: `secret-again-${RUN}` }, session)).data!;
      expect(again.placeOrder.__typename).not.toBe('PlaceOrderSuccess');
      const nearMiss = await send(logged, SecretSelection, { id: claimed.selection.id }, { ...client, ...asSession(`${token}x`) });
      expect(nearMiss.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(await claimOn(logged, first.hash1, first.hash2, newAddress())).toMatchObject({ code: 'LINK_USED' });

      // A masked unexpected error, with every secret in the request.
      const masked = await withBrokenClaimLookup(() =>
        send(logged, Claim, { input: { hash1: second.hash1, hash2: second.hash2 } }, { ...session, ...bearer(storedKey) }),
      );
      expectMasked(masked);

      // Rate limited: the right pair after LIMIT wrong ones.
      const guesser = newAddress();
      for (let i = 0; i < LIMIT; i++) expectLinkNotFound(await claimOn(logged, unknownHash1(), wrongHash2(), guesser));
      expectRateLimited(await claimOn(logged, second.hash1, second.hash2, guesser));

      // Malformed requests that carry secrets.
      await logged.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...session, ...bearer(storedKey) },
        body: `{"query": "mutation { claimSelection(input: { hash1: \\"${second.hash1}\\", hash2: \\"${second.hash2}\\" }) {", "variables": {}}`,
      });
      await logged.yoga.fetch('http://linkcart.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...session },
        body: `{"query": "${token}"}`,
      });
    } finally {
      capture.restore();
    }

    expect(capture.lines.some((line) => line.includes('capture check'))).toBe(true);
    // The masked error reached the server's log, with its cause (so the scan below covered
    // real error output); the log is JSON, where the quotes of the message are escaped.
    const output = [...capture.lines, ...appLog];
    expect(output.some((line) => line.includes('hash2Digest') && line.includes('does not exist'))).toBe(true);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length).toBeGreaterThanOrEqual(32);
      for (const form of leakedForms(secret)) {
        const leaking = output.filter((line) => line.includes(form));
        expect(leaking, `${name} appears in the log`).toEqual([]);
      }
    }
  });

  it('stores admin keys, session tokens and hash2 only as their SHA-256 digests', async () => {
    const storedKey = await createAdminKey(`secret-digest-${RUN}`);
    const link = await adminLink(storedKey);
    const claimed = expectClaimed(await claimOn(logged, link.hash1, link.hash2, newAddress()));
    const token = claimed.sessionToken;
    const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

    const keyRow = await db().adminKey.findUniqueOrThrow({ where: { name: `secret-digest-${RUN}` } });
    expect(keyRow.digest).toHaveLength(32);
    expect(Buffer.from(keyRow.digest).equals(sha256(storedKey))).toBe(true);

    const linkRow = await db().shareableLink.findUniqueOrThrow({ where: { id: link.linkId } });
    expect(linkRow.hash2Digest).toHaveLength(32);
    expect(Buffer.from(linkRow.hash2Digest).equals(sha256(link.hash2))).toBe(true);

    const claim = await db().claim.findUniqueOrThrow({ where: { id: claimed.claim.id }, select: { session: { select: { tokenDigest: true } } } });
    expect(claim.session.tokenDigest).toHaveLength(32);
    expect(Buffer.from(claim.session.tokenDigest).equals(sha256(token))).toBe(true);

    // No table, as the database stores it, holds any of the secrets in any form.
    const tables = await db().$queryRaw<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
    expect(tables.map((row) => row.name)).toEqual(expect.arrayContaining(['AdminKey', 'StorefrontSession', 'ShareableLink', 'Claim', 'LinkEvent']));
    const dump: string[] = [];
    for (const { name } of tables) {
      const rows = await db().$queryRawUnsafe<{ json: string }[]>(`SELECT row_to_json(x)::text AS json FROM "${name.replaceAll('"', '""')}" x`);
      dump.push(...rows.map((row) => `${name}: ${row.json}`));
    }
    expect(dump.some((line) => line.startsWith('AdminKey: '))).toBe(true);
    for (const [name, secret] of Object.entries({ bootstrapKey: ADMIN_KEY, storedKey, hash2: link.hash2, sessionToken: token })) {
      for (const form of leakedForms(secret)) {
        expect(dump.filter((line) => line.includes(form)), `${name} is stored`).toEqual([]);
      }
    }
  });
});
