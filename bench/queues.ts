// A BullMQ workload as applications run it: N jobs added in bulk, then two workers (concurrency 25 each)
// drain the queue, with completed jobs kept and with removeOnComplete. Our bare engine (child process) and
// redis-server are measured in the same run, alternating, best of BENCH_QUEUES_ROUNDS; jobs/s counts from the
// first addBulk to the last completion, so it covers the adding scripts (addStandardJob) as well as
// moveToActive / moveToFinished, which carry almost all of a queue's Redis time.
import { Queue, Worker } from 'bullmq';
import { cli, markdownTable, startOurNode, startRealNode, stop } from './redis-servers.ts';

const JOBS = Number(process.env.BENCH_QUEUES_JOBS ?? 3000);
const ROUNDS = Number(process.env.BENCH_QUEUES_ROUNDS ?? 2);
const WORKERS = 2;
const CONCURRENCY = 25;
const BULK = 500;

/** Jobs per second of one queue run against the server on `port`, FLUSHALL first. */
export async function queueRun(port: number, removeOnComplete: boolean, jobs = JOBS): Promise<number> {
  cli(port, ['FLUSHALL']);
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `bench-${removeOnComplete ? 'rm' : 'keep'}`;
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete, removeOnFail: true } });
  await queue.waitUntilReady();
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const workers = Array.from({ length: WORKERS }, () => {
    const w = new Worker(name, async () => 0, { connection, concurrency: CONCURRENCY, autorun: false });
    w.on('completed', () => {
      if (++done === jobs) finish();
    });
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += BULK) {
    await queue.addBulk(Array.from({ length: Math.min(BULK, jobs - i) }, (_, j) => ({ name: 'job', data: { i: i + j, payload: 'x'.repeat(64) } })));
  }
  for (const w of workers) void w.run();
  await finished;
  const rate = jobs / ((performance.now() - t0) / 1000);
  await Promise.all(workers.map((w) => w.close()));
  await queue.close();
  return rate;
}

export async function benchQueues(): Promise<string> {
  const ours = await startOurNode();
  const real = await startRealNode().catch(async (err: unknown) => {
    await stop(ours.child);
    throw err;
  });
  const rows: string[][] = [];
  try {
    // Untimed: a fresh Node server and the client's own JIT both start slow.
    for (const port of [ours.port, real.port]) await queueRun(port, true, Math.min(JOBS, 1000));
    for (const removeOnComplete of [false, true]) {
      let best = [0, 0];
      for (let round = 0; round < ROUNDS; round++) {
        const o = await queueRun(ours.port, removeOnComplete);
        const r = await queueRun(real.port, removeOnComplete);
        best = [Math.max(best[0] as number, o), Math.max(best[1] as number, r)];
        process.stderr.write(`${new Date().toISOString().slice(11, 19)}\tqueue removeOnComplete=${removeOnComplete}\t${o.toFixed(0)}\t${r.toFixed(0)}\n`);
      }
      const [o, r] = best as [number, number];
      rows.push([removeOnComplete ? 'removeOnComplete' : 'completed kept', o.toFixed(0), r.toFixed(0), `${(o / r).toFixed(2)}x`]);
    }
  } finally {
    await stop(ours.child);
    await stop(real.child);
  }
  const title = `### Job queues: BullMQ, ${JOBS} jobs added in bulk, ${WORKERS} workers x ${CONCURRENCY} concurrency (jobs/s, best of ${ROUNDS} alternating runs after a warm-up)`;
  return `${title}\n\n${markdownTable(['completed jobs', 'ours (jobs/s)', 'redis-server (jobs/s)', 'ratio'], rows)}`;
}
