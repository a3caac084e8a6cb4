import { useState } from 'react';
import type { FormEvent } from 'react';
import { UNREACHABLE } from '../errors';

/**
 * Sign-in with an admin key. The key is checked by asking the API anything with it: an unknown
 * or revoked key is answered 401, and the page says so.
 */
export function SignIn(props: { onSignedIn: (key: string) => void }) {
  const [problem, setProblem] = useState('');
  const [checking, setChecking] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const key = String(new FormData(event.currentTarget).get('key') ?? '').trim();
    if (!key) return setProblem('Paste your admin key.');
    setChecking(true);
    try {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.status === 401) return setProblem('That admin key is not valid: it is unknown or was revoked.');
      if (!response.ok) return setProblem(`The server answered ${response.status}. Try again.`);
      props.onSignedIn(key);
    } catch {
      setProblem(UNREACHABLE.server);
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="page">
      <h1>Linkcart dashboard</h1>
      <form className="sign-in" onSubmit={submit}>
        <label>
          Admin key
          <input name="key" type="password" autoComplete="off" required />
        </label>
        {problem ? <p role="alert" className="problem">{problem}</p> : null}
        <button type="submit" className="primary" disabled={checking}>Sign in</button>
        <p className="hint">
          No key yet? A first <code>npm start</code> in development prints a sign-in link; or create one with <code>npm run admin:key -- --name &lt;name&gt;</code>.
        </p>
      </form>
    </main>
  );
}
