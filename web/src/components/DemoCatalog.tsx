import { useState } from 'react';
import { useClient, useQuery } from 'urql';
import { graphql } from '../gql';
import { DEMO_CATALOG, DEMO_CUSTOMERS } from '../demo';

const Empty = graphql(`
  query AdminCatalogEmpty {
    markets(first: 1) { edges { node { code } } }
  }
`);

const ImportDemo = graphql(`
  mutation AdminImportDemo($input: ImportCatalogInput!) {
    importCatalog(input: $input) {
      __typename
      ... on Error { code message }
      ... on ImportCatalogSuccess { markets { code } }
    }
  }
`);

const DemoCustomer = graphql(`
  mutation AdminDemoCustomer($input: CreateSelectionInput!) {
    createSelection(input: $input) { __typename ... on Error { code message } }
  }
`);

/** On an empty database: "Load demo catalog", a small store to try the whole flow with. */
export function DemoCatalog(props: { onLoaded: () => void }) {
  const [{ data }, refetch] = useQuery({ query: Empty });
  const client = useClient();
  const [state, setState] = useState<'idle' | 'loading' | 'failed'>('idle');
  if (!data || data.markets.edges.length > 0) return null;

  const load = async () => {
    setState('loading');
    const imported = await client.mutation(ImportDemo, { input: DEMO_CATALOG }).toPromise();
    const ok = imported.data?.importCatalog.__typename === 'ImportCatalogSuccess';
    for (const customerEmail of ok ? DEMO_CUSTOMERS : []) {
      await client.mutation(DemoCustomer, { input: { marketCode: 'DEMO', pricelistCode: 'DEMO-EUR', countryCode: 'DE', customerEmail } }).toPromise();
    }
    setState(ok ? 'idle' : 'failed');
    refetch({ requestPolicy: 'network-only' });
    if (ok) props.onLoaded();
  };

  return (
    <section className="panel demo" aria-label="Demo catalog">
      <h2>The catalog is empty</h2>
      <p>Load a small demo store to try the whole flow: a market with three countries (shipping to two), a pricelist in euros, a dozen products with stock and two customers.</p>
      {state === 'failed' ? <p role="alert" className="problem">The demo catalog could not be loaded. Try again.</p> : null}
      <button type="button" className="primary" disabled={state === 'loading'} onClick={() => void load()}>
        {state === 'loading' ? 'Loading…' : 'Load demo catalog'}
      </button>
    </section>
  );
}
