// urql clients for the pages: GraphQL over HTTP on this server's /graphql, credentials in
// headers (a storefront's session token, an admin's key); graphql-ws for the admin's events.
import { createClient as createSocketClient } from 'graphql-ws';
import type { Client as SocketClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange } from 'urql';

/** A storefront's client: `token()` is read for every request (it is known only after the claim). */
export function storefrontClient(token: () => string | null): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: (): RequestInit => {
      const held = token();
      return { headers: held ? { 'x-session-token': held } : ({} as Record<string, string>) };
    },
  });
}

/**
 * An admin's clients: urql with the key as Bearer over HTTP, and graphql-ws with it as
 * connectionParams. The dashboard subscribes through graphql-ws itself (LinksTable): after a
 * dropped socket it must subscribe again from the last sequence it saw, where a subscription
 * exchange would resend the first subscription's variables.
 */
export function adminClient(key: string): { client: Client; sockets: SocketClient } {
  const sockets = createSocketClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: { authorization: `Bearer ${key}` },
    // A dropped socket is reopened, again and again, a little later each time.
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  const client = new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: { headers: { authorization: `Bearer ${key}` } },
  });
  return { client, sockets };
}
