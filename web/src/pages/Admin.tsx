// The admin dashboard at /admin: sign in with an admin key (kept in sessionStorage, or taken
// from the #key=… link a first development start prints), then links live, and a selection
// builder that issues links: for anyone, for a customer, or for an additional payment on an
// earlier order.
import { useMemo, useState } from 'react';
import { Provider } from 'urql';
import { adminClient } from '../client';
import { DemoCatalog } from '../components/DemoCatalog';
import { CustomersList } from '../components/CustomersList';
import { LinksTable } from '../components/LinksTable';
import { OrdersList } from '../components/OrdersList';
import { SelectionBuilder } from '../components/SelectionBuilder';
import type { RelatedOrder } from '../components/SelectionBuilder';
import { SignIn } from '../components/SignIn';

const KEY = 'linkcart:admin-key';

/** The key of this tab: from the sign-in link's fragment (then removed from the address bar), or stored. */
function initialKey(): string | null {
  const fromLink = /^#key=(.+)$/.exec(location.hash)?.[1];
  if (fromLink) {
    sessionStorage.setItem(KEY, decodeURIComponent(fromLink));
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(KEY);
}

export function Admin() {
  const [key, setKey] = useState(initialKey);
  const [tab, setTab] = useState<'links' | 'build' | 'customers' | 'orders'>('links');
  /** What a new selection starts with: a customer, or the earlier order it asks an additional payment for. */
  const [preset, setPreset] = useState<{ customerEmail?: string; relatedOrder?: RelatedOrder }>({});
  const clients = useMemo(() => (key ? adminClient(key) : null), [key]);

  const additionalPayment = (order: RelatedOrder) => {
    setPreset({ relatedOrder: order });
    setTab('build');
  };

  if (!key || !clients) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          sessionStorage.setItem(KEY, signedIn);
          setKey(signedIn);
        }}
      />
    );
  }
  return (
    <Provider value={clients.client}>
      <main className="page admin">
        <header className="admin-header">
          <h1>Linkcart dashboard</h1>
          <nav aria-label="Dashboard">
            <button type="button" aria-pressed={tab === 'links'} onClick={() => setTab('links')}>Links</button>
            <button type="button" aria-pressed={tab === 'build'} onClick={() => { setPreset({}); setTab('build'); }}>New selection</button>
            <button type="button" aria-pressed={tab === 'customers'} onClick={() => setTab('customers')}>Customers</button>
            <button type="button" aria-pressed={tab === 'orders'} onClick={() => setTab('orders')}>Orders</button>
            <button
              type="button"
              onClick={() => {
                void clients.sockets.dispose();
                sessionStorage.removeItem(KEY);
                setKey(null);
              }}
            >
              Sign out
            </button>
          </nav>
        </header>
        <DemoCatalog onLoaded={() => setTab('build')} />
        {tab === 'links' ? <LinksTable sockets={clients.sockets} /> : null}
        {tab === 'build' ? <SelectionBuilder {...preset} /> : null}
        {tab === 'customers' ? (
          <CustomersList
            onCreateSelection={(email) => { setPreset({ customerEmail: email }); setTab('build'); }}
            onAdditionalPayment={additionalPayment}
          />
        ) : null}
        {tab === 'orders' ? <OrdersList onAdditionalPayment={additionalPayment} /> : null}
      </main>
    </Provider>
  );
}
