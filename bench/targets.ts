// Issue 12's targets in one table: each of our figures next to its reference measured in the same run
// (redis-server, our own node port or lone node, moto_server), the ratio, the goal and a verdict.
// BENCH_TARGETS (comma list of engine, endpoint, replication, scripting, startup) narrows a run.
import type { ChildProcess } from 'node:child_process';
import { replicationRates, startupTimes } from './isolation.ts';
import { bestRates, groupPorts, startEmulatorChild } from './redis.ts';
import { cli, markdownTable, startOurNode, startRealNode, stop } from './redis-servers.ts';

const ENGINE_TESTS = ['set', 'get', 'incr', 'lpush', 'hset', 'zadd'];
const SCRIPT = "return redis.call('INCR', KEYS[1])";
const LIBRARY = "#!lua name=benchtargets\nredis.register_function('incr1', function(keys) return redis.call('INCR', keys[1]) end)";

interface Row {
  target: string;
  what: string;
  ours: number;
  reference: number;
  referenceName: string;
  /** The ratio ours/reference must reach (`atLeast`) or stay under (`atMost`, for times). */
  goal: { atLeast: number } | { atMost: number };
  unit: string;
}

function verdict(r: Row): [string, string, string] {
  const ratio = r.ours / r.reference;
  const met = 'atLeast' in r.goal ? ratio >= r.goal.atLeast : ratio <= r.goal.atMost;
  const goal = 'atLeast' in r.goal ? `>= ${r.goal.atLeast}` : `<= ${r.goal.atMost}`;
  return [ratio.toFixed(3), goal, Number.isFinite(ratio) ? (met ? 'met' : 'not met') : 'not measured'];
}

async function engineRows(children: ChildProcess[]): Promise<Row[]> {
  const ours = await startOurNode();
  children.push(ours.child);
  const real = await startRealNode();
  children.push(real.child);
  const rows: Row[] = [];
  for (const [pipeline, goal] of [
    [1, 0.9],
    [16, 0.75],
  ] as const) {
    for (const test of ENGINE_TESTS) {
      const [o, r] = bestRates(ours.port, real.port, pipeline, ['-t', test]);
      rows.push({ target: 'engine', what: `${test.toUpperCase()} -P ${pipeline}`, ours: o, reference: r, referenceName: 'redis-server', goal: { atLeast: goal }, unit: 'req/s' });
      progress(rows);
    }
  }
  return rows;
}

async function endpointRows(children: ChildProcess[]): Promise<Row[]> {
  const { child, client } = await startEmulatorChild();
  children.push(child);
  const rows: Row[] = [];
  try {
    const ports = await groupPorts(client, 'targets-endpoint', 2);
    for (const pipeline of [1, 16]) {
      for (const test of ['set', 'get']) {
        const [endpoint, node] = bestRates(ports.endpoint, ports.node, pipeline, ['-t', test]);
        rows.push({ target: 'primary endpoint', what: `${test.toUpperCase()} -P ${pipeline}`, ours: endpoint, reference: node, referenceName: 'its node port', goal: { atLeast: 0.95 }, unit: 'req/s' });
        progress(rows);
      }
    }
  } finally {
    client.destroy();
  }
  return rows;
}

async function replicationRows(): Promise<Row[]> {
  return (await replicationRates()).map((r) => ({
    target: 'primary + 2 replicas',
    what: `${r.name} into 1M elements`,
    ours: r.replicated,
    reference: r.lone,
    referenceName: 'lone node',
    goal: { atLeast: 0.8 },
    unit: 'ops/s',
  }));
}

async function scriptingRows(children: ChildProcess[]): Promise<Row[]> {
  const ours = await startOurNode();
  children.push(ours.child);
  const real = await startRealNode();
  children.push(real.child);
  const sha = cli(ours.port, ['SCRIPT', 'LOAD', SCRIPT]);
  cli(real.port, ['SCRIPT', 'LOAD', SCRIPT]);
  for (const port of [ours.port, real.port]) cli(port, ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]);
  const rows: Row[] = [];
  for (const [name, command] of [
    ['EVALSHA', ['EVALSHA', sha, '1', 'key:__rand_int__']],
    ['FCALL', ['FCALL', 'incr1', '1', 'key:__rand_int__']],
  ] as const) {
    const [o, r] = bestRates(ours.port, real.port, 1, ['-r', '1000', ...command]);
    rows.push({ target: 'scripting', what: `${name} INCR -P 1`, ours: o, reference: r, referenceName: 'redis-server', goal: { atLeast: 0.5 }, unit: 'req/s' });
    progress(rows);
  }
  return rows;
}

async function startupRows(): Promise<Row[]> {
  const t = await startupTimes();
  const moto = t.moto ?? Number.NaN;
  return [
    { target: 'start-up', what: 'node bin, new data dir, to first signed answer', ours: t.fresh, reference: moto, referenceName: 'moto_server', goal: { atMost: 0.4 }, unit: 'ms' },
    { target: 'start-up', what: 'start() in-process, to first signed answer', ours: Math.min(...t.inProcess), reference: moto, referenceName: 'moto_server', goal: { atMost: 0.2 }, unit: 'ms' },
  ];
}

/** A full run takes minutes on a loaded machine: each figure is shown as it comes. */
function progress(rows: Row[]): void {
  const r = rows.at(-1) as Row;
  process.stderr.write(`${[r.target, r.what, r.ours.toFixed(0), r.reference.toFixed(0), ...verdict(r)].join('\t')}\n`);
}

export async function benchTargets(): Promise<string> {
  const wanted = new Set(process.env.BENCH_TARGETS?.split(',') ?? ['engine', 'endpoint', 'replication', 'scripting', 'startup']);
  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  try {
    // Each section's servers are stopped before the next, so none competes for the cores with another's figures.
    for (const [name, section] of [
      ['engine', engineRows],
      ['endpoint', endpointRows],
      ['scripting', scriptingRows],
    ] as const) {
      if (wanted.has(name)) rows.push(...(await section(children)));
      for (const c of children.splice(0).reverse()) await stop(c);
    }
    if (wanted.has('replication')) rows.push(...(await replicationRows()));
    if (wanted.has('startup')) rows.push(...(await startupRows()));
  } finally {
    for (const c of children.reverse()) await stop(c);
  }
  const cells = rows.map((r) => {
    const figure = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
    return [r.target, r.what, `${figure(r.ours)} ${r.unit}`, `${figure(r.reference)} ${r.unit}`, r.referenceName, ...verdict(r)];
  });
  const met = cells.filter((c) => c[7] === 'met').length;
  return `### Issue 12 targets, ours next to the reference from the same run (redis-benchmark -c 50 -n 100000, best of 2 alternating runs after an untimed one on each side; ${met} of ${cells.length} met)\n\n${markdownTable(['target', 'what', 'ours', 'reference', 'reference is', 'ratio', 'goal', 'verdict'], cells)}`;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  benchTargets().then(
    (t) => {
      console.log(t);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
