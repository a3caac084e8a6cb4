// The pages, chosen by the path: /selection/<hash1>/<hash2> is a link's checkout, /admin the
// dashboard. The server answers both paths with this one page.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Admin } from './pages/Admin';
import { Checkout } from './pages/Checkout';
import { NotFound } from './pages/NotFound';
import './styles.css';

function Page() {
  const link = /^\/selection\/([^/]+)\/([^/]+)\/?$/.exec(location.pathname);
  if (link) return <Checkout hash1={decodeURIComponent(link[1]!)} hash2={decodeURIComponent(link[2]!)} />;
  if (/^\/admin\/?$/.test(location.pathname)) return <Admin />;
  return <NotFound />;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
