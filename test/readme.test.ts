// The README's worked example runs as written: its GraphQL documents, in order, give the
// answers it shows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { asAdmin, startTestApp } from './helpers/app.js';
import type { TestApp } from './helpers/app.js';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const example = readme.slice(readme.indexOf('## Worked example'), readme.indexOf('## Configuration'));
const documents = [...example.matchAll(/<<EOF[^\n]*\n([\s\S]*?)\nEOF\n/g)].map((m) => m[1]!);
const shownAnswer = example.match(/```json\n(.*)\n```/)?.[1];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

async function post(document: string): Promise<{ data?: Record<string, unknown>; errors?: unknown }> {
  const response = await t.app.yoga.fetch('http://linkcart.test/graphql', {
    method: 'POST',
    headers: { ...asAdmin, 'content-type': 'application/graphql' },
    body: document,
  });
  return (await response.json()) as never;
}

it('runs the worked example as written', async () => {
  expect(documents).toHaveLength(5);
  expect(shownAnswer).toBeDefined();
  const variables: Record<string, string> = {};
  const answers = [];
  for (const document of documents) {
    const answer = await post(document.replace(/\$([A-Z]+)/g, (_, name: string) => variables[name] ?? `$${name}`));
    expect(answer.errors).toBeUndefined();
    for (const [field, value] of Object.entries(answer.data ?? {})) {
      const typename = (value as { __typename?: string } | null)?.__typename;
      if (typename) expect(typename, field).toMatch(/Success$/);
    }
    const created = (answer.data?.createSelection as { selection?: { id: string } } | undefined)?.selection?.id;
    if (created) variables.SELECTION = created;
    answers.push(answer);
  }
  expect(answers[3]).toEqual(JSON.parse(shownAnswer!));
});
