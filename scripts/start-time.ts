// `npm run bench:start`: how long `npm start` takes until the server answers, on the embedded
// database, with a fresh DATA_DIR and with the one a run left behind. "Answers" means both
// /readyz (the database answered a query) and a GraphQL request return 200. Each case runs
// START_RUNS times (default 5); the median and the slowest are printed, with every run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const runs = Number(process.env.START_RUNS || 5);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
    probe.on('error', fail);
  });
}

async function answers(port: number): Promise<boolean> {
  try {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (ready.status !== 200) return false;
    const graphql = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    return graphql.status === 200;
  } catch {
    return false;
  }
}

/** Seconds from `npm start` to an answer; the server is stopped again before this resolves. */
async function timeStart(dataDir: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
      if (await answers(port)) return (performance.now() - started) / 1000;
      await new Promise((done) => setTimeout(done, 20));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

const summary = (label: string, seconds: number[]) => {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${label}: median ${median.toFixed(2)} s, slowest ${sorted.at(-1)!.toFixed(2)} s (${seconds.map((s) => s.toFixed(2)).join(', ')})`);
};

const fresh: number[] = [];
const existing: number[] = [];
for (let run = 1; run <= runs; run++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'linkcart-start-'));
  try {
    fresh.push(await timeStart(dataDir));
    existing.push(await timeStart(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.error(`run ${run}/${runs}: fresh ${fresh.at(-1)!.toFixed(2)} s, existing ${existing.at(-1)!.toFixed(2)} s`);
}
summary('npm start, fresh DATA_DIR', fresh);
summary('npm start, existing DATA_DIR', existing);
