// The server over real sockets: HTTP and graphql-ws on one port, health endpoints, and a
// graceful stop that closes sockets with 1001.
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { createAdminKey } from '../src/auth/admin-key.js';
import { loadConfig } from '../src/config.js';
import { db } from '../src/db/client.js';
import { ADMIN_KEY, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';
import { createSelection, handToSession, seedCatalog } from './helpers/fixtures.js';

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await startTestApp();
  url = await t.app.start();
});
afterAll(() => t.stop());

function wsClient(connectionParams: Record<string, string>) {
  return createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

async function wsQuery(connectionParams: Record<string, string>, query: string) {
  const client = wsClient(connectionParams);
  try {
    return await new Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }>((resolve, reject) => {
      let result: unknown;
      client.subscribe({ query }, { next: (value) => (result = value), error: reject, complete: () => resolve(result as never) });
    });
  } finally {
    await client.dispose();
  }
}

describe('HTTP', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('answers GraphQL POSTs on /graphql', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ static(name: "payment_link") { name } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { static: null } });
  });

  it('serves GraphiQL to a browser outside production', async () => {
    const response = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    // Everything it needs is in the page: no script, style or worker from another host.
    expect(html.match(/(src|href)=["']?https?:\/\/[^"' >]+/g) ?? []).toEqual([]);
    expect(html).not.toContain('unpkg.com');
  });
});

describe('graphql-ws', () => {
  it('takes the admin key from connectionParams', async () => {
    const result = await wsQuery({ authorization: `Bearer ${ADMIN_KEY}` }, '{ static(name: "payment_link") { name } }');
    expect(result).toEqual({ data: { static: null } });
  });

  /** The close code and reason of a socket opened with these connectionParams. */
  function closeOf(connectionParams: Record<string, string>) {
    return new Promise<[number, string]>((resolve) => {
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {}, // the close is what this test reads
        on: { closed: (event) => resolve([(event as { code: number }).code, (event as { reason: string }).reason]) },
      });
      client.on('closed', () => void client.dispose());
    });
  }

  it('refuses a socket without an admin key with 4403 Forbidden, a storefront session too', async () => {
    const forbidden = [4403, 'Forbidden: a socket needs an admin key (connectionParams.authorization: "Bearer <key>")'];
    await seedCatalog(t);
    const { token: session } = await handToSession(t, await createSelection(t));
    const params: Record<string, string>[] = [{}, { sessionToken: session }, { 'x-session-token': session }, { sessionToken: 'not-a-session' }];
    for (const connectionParams of params) {
      expect(await closeOf(connectionParams)).toEqual(forbidden);
    }
  });

  it('refuses a socket whose admin key is not valid with 4401, saying why', async () => {
    expect(await closeOf({ authorization: 'Bearer wrong' })).toEqual([4401, 'Unauthorized: the admin key in connectionParams.authorization is unknown or was revoked']);
    expect(await closeOf({ authorization: ADMIN_KEY })).toEqual([4401, 'Unauthorized: connectionParams.authorization must be "Bearer <admin key>"']);
  });
});

describe('graphql-ws after the admin key is revoked', () => {
  it('closes the socket with 4401 at its next operation once the revocation is seen', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const app = await buildApp(loadConfig({ ADMIN_API_KEY: ADMIN_KEY, PORT: '0' }), { database: t.database, now: () => clock });
    const base = await app.start();
    const name = `ws-revoked-${randomUUID()}`;
    const key = await createAdminKey(name);
    const socket = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { id?: string; type: string }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { id?: string; type: string }));
    const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, String(reason)])));
    try {
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
      await vi.waitFor(() => expect(messages).toContainEqual({ type: 'connection_ack' }), { timeout: 30_000 });
      socket.send(JSON.stringify({ id: 'before', type: 'subscribe', payload: { query: '{ __typename }' } }));
      await vi.waitFor(() => expect(messages).toContainEqual({ id: 'before', type: 'complete' }), { timeout: 30_000 });

      await db().adminKey.update({ where: { name }, data: { revokedAt: new Date() } });
      clock += 60_000; // past the caller cache
      socket.send(JSON.stringify({ id: 'after', type: 'subscribe', payload: { query: '{ __typename }' } }));
      expect(await closed).toEqual([4401, 'Unauthorized: the admin key in connectionParams.authorization is unknown or was revoked']);
      expect(messages.filter((message) => message.id === 'after' && message.type === 'next')).toEqual([]);
    } finally {
      socket.close();
      await app.stop();
    }
  });
});

describe('stop', () => {
  it('closes open sockets with 1001 and stops answering', async () => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await t.app.stop();
    expect(await closed).toBe(1001);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
