import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { UNREACHABLE, problemOf } from '../errors';

const Issue = graphql(`
  mutation AdminIssueLink($input: IssueShareableLinkInput!) {
    issueShareableLink(input: $input) {
      __typename
      ... on Error { code message }
      ... on ShippingUnavailableError { countryCode }
      ... on IssueShareableLinkSuccess { url link { id status maxOrders } }
    }
  }
`);

const Revoke = graphql(`
  mutation AdminRevokeLink($input: RevokeShareableLinkInput!) {
    revokeShareableLink(input: $input) {
      __typename
      ... on Error { code message }
      ... on RevokeShareableLinkSuccess { link { id status } }
    }
  }
`);

export interface Issued {
  id: string;
  url: string;
  revoked: boolean;
  /** Orders the link allows; null: no limit. */
  maxOrders: number | null;
}

/**
 * The "Link" dialog: lock items, ignore shipping, ignore tax, paid only once (checked at first
 * for an additional payment: `payOnce`), an optional expiry; issues the link and shows its URL
 * with a copy button. Issuing again warns that the old link stops
 * working (the API revokes it); the issued link can be revoked here.
 */
export function LinkDialog(props: { selectionId: string; payOnce?: boolean; issued: Issued | null; onIssued: (issued: Issued) => void; onClose: () => void }) {
  const [issueState, issue] = useMutation(Issue);
  const [, revoke] = useMutation(Revoke);
  const [problem, setProblem] = useState('');
  const [copied, setCopied] = useState(false);
  const { issued } = props;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const expires = String(form.get('expiresAt') ?? '');
    const result = await issue({
      input: {
        selectionId: props.selectionId,
        lockItems: form.get('lockItems') === 'on',
        ignoreShipping: form.get('ignoreShipping') === 'on',
        ignoreTax: form.get('ignoreTax') === 'on',
        // Once paid, other copies of the link cannot be paid (LINK_USED), however many opened it.
        maxOrders: form.get('payOnce') === 'on' ? 1 : null,
        expiresAt: expires ? new Date(expires).toISOString() : null,
      },
    });
    const answer = result.data?.issueShareableLink;
    if (answer?.__typename === 'IssueShareableLinkSuccess') {
      setProblem('');
      setCopied(false);
      return props.onIssued({ id: answer.link.id, url: answer.url, revoked: false, maxOrders: answer.link.maxOrders ?? null });
    }
    setProblem(problemOf(Boolean(result.error), answer, UNREACHABLE.server));
  };

  return (
    <div className="backdrop">
      <div role="dialog" aria-modal="true" aria-label="Share a link" className="dialog">
        <h3>Share a link</h3>
        <form onSubmit={submit}>
          <label className="check"><input type="checkbox" name="lockItems" /> Lock items</label>
          <label className="check"><input type="checkbox" name="ignoreShipping" /> Ignore shipping</label>
          <label className="check"><input type="checkbox" name="ignoreTax" /> Ignore tax</label>
          <label className="check"><input type="checkbox" name="payOnce" defaultChecked={props.payOnce ?? false} /> Can be paid only once</label>
          <label>
            Expires (optional)
            <input type="datetime-local" name="expiresAt" />
          </label>
          {issued && !issued.revoked ? <p className="warning">Issuing again makes the link below stop working.</p> : null}
          {problem ? <p role="alert" className="problem">{problem}</p> : null}
          <button type="submit" className="primary" disabled={issueState.fetching}>{issued ? 'Issue a new link' : 'Issue link'}</button>
        </form>
        {issued ? (
          <div className="issued">
            <label>
              Link URL
              <input readOnly value={issued.url} onFocus={(event) => event.target.select()} />
            </label>
            <button type="button" onClick={() => void navigator.clipboard.writeText(issued.url).then(() => setCopied(true), () => setCopied(false))}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            {issued.maxOrders === null ? null : <p>{issued.maxOrders === 1 ? 'It can be paid once.' : `It can be paid ${issued.maxOrders} times.`}</p>}
            {issued.revoked ? <p>This link was revoked.</p> : (
              <button type="button" onClick={async () => {
                const result = await revoke({ input: { linkId: issued.id } });
                const answer = result.data?.revokeShareableLink;
                if (answer?.__typename === 'RevokeShareableLinkSuccess') props.onIssued({ ...issued, revoked: true });
                else setProblem(problemOf(Boolean(result.error), answer, UNREACHABLE.server));
              }}>Revoke</button>
            )}
          </div>
        ) : null}
        <button type="button" className="close" onClick={props.onClose}>Close</button>
      </div>
    </div>
  );
}
