// The README's worked example runs as written: its GraphQL documents, in order, sent the way
// its shell helpers send them (`gql` as the admin, `shop` with the session token), give the
// answers it shows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { asAdmin, asSession, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const ADDITIONAL = '## Worked example: an additional payment';

/** The section of the README from one heading to the next: its documents and the answer it shows. */
function exampleBetween(start: string, end: string) {
  const example = readme.slice(readme.indexOf(start), readme.indexOf(end));
  const steps = [...example.matchAll(/(gql|shop) <<EOF[^\n]*\n([\s\S]*?)\nEOF\n/g)].map((m) => ({ helper: m[1]!, document: m[2]! }));
  return { steps, shownAnswer: example.match(/```json\n(.*)\n```/)?.[1] };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

type Answer = { data?: Record<string, Record<string, unknown> | null>; errors?: unknown };

/** What the examples' shell lines keep from the answers, as they run one after the other. */
const shell: Record<string, string> = {};

async function run(steps: { helper: string; document: string }[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const { helper, document } of steps) {
    const headers = helper === 'gql' ? asAdmin : shell.TOKEN ? asSession(shell.TOKEN) : {};
    const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/graphql' },
      body: document.replace(/\$([A-Z0-9]+)/g, (_, name: string) => shell[name] ?? `$${name}`),
    });
    const answer = (await response.json()) as Answer;
    expect(answer.errors).toBeUndefined();
    for (const [field, value] of Object.entries(answer.data ?? {})) {
      if (value && '__typename' in value) expect(value.__typename, field).toMatch(/Success$/);
    }
    const data = answer.data ?? {};
    const created = data.createSelection as { selection: { id: string } } | undefined;
    if (created) shell.SELECTION = created.selection.id;
    const issued = data.issueShareableLink as { hash2: string; link: { id: string; hash1: string } } | undefined;
    if (issued) Object.assign(shell, { LINK: issued.link.id, HASH1: issued.link.hash1, HASH2: issued.hash2 });
    const claimed = data.claimSelection as { sessionToken: string; selection: { id: string } } | undefined;
    if (claimed) Object.assign(shell, { TOKEN: claimed.sessionToken, COPY: claimed.selection.id });
    const orders = data.orders as { edges: { node: { id: string } }[] } | undefined;
    if (orders) shell.ORDER = orders.edges[0]!.node.id;
    answers.push(answer);
  }
  return answers;
}

it('runs the worked example as written', async () => {
  const { steps, shownAnswer } = exampleBetween('## Worked example: the whole flow', ADDITIONAL);
  expect(steps.map((s) => s.helper)).toEqual(['gql', 'gql', 'gql', 'gql', 'gql', 'gql', 'gql', 'shop', 'shop', 'gql']);
  expect(shownAnswer).toBeDefined();
  const answers = await run(steps);
  expect(answers[3]).toEqual(JSON.parse(shownAnswer!));
  expect(answers[8]!.data!.placeOrder).toMatchObject({ __typename: 'PlaceOrderSuccess', order: { status: 'CONFIRMED' } });
  expect(answers[9]!.data!.shareableLink).toMatchObject({ status: 'CONSUMED', selection: null });
});

it('runs the additional payment example as written, after the first', async () => {
  const { steps, shownAnswer } = exampleBetween(ADDITIONAL, '## Configuration');
  expect(steps.map((s) => s.helper)).toEqual(['gql', 'gql', 'gql', 'gql', 'shop', 'shop', 'gql']);
  expect(shownAnswer).toBeDefined();
  const answers = await run(steps);
  expect(answers[1]!.data!.createSelection).toMatchObject({ selection: { customer: { email: 'ada@example.com' }, relatedOrder: { number: 'LC-000001' } } });
  expect(answers[2]!.data!.addCustomSelectionItem).toMatchObject({
    item: { kind: 'CUSTOM', variant: null, priceLocked: true, taxable: true, unitPrice: { amount: '250.00' } },
  });
  expect(answers[4]!.data!.claimSelection).toMatchObject({
    selection: {
      items: [{ kind: 'CUSTOM', capabilities: { canIncrease: false, canDecrease: false, canRemove: false } }],
      capabilities: { canAddItems: false, canPlaceOrder: true },
      placeOrderBlockers: [],
      totals: { grandTotal: { amount: '250.00', currency: 'SEK' } },
    },
  });
  expect(answers[5]!.data!.placeOrder).toMatchObject({ order: { number: 'LC-000002', relatedOrder: { number: 'LC-000001' } } });
  expect(answers[6]).toEqual(JSON.parse(shownAnswer!));
});
