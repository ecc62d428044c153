// A BullMQ workload as applications run it: N jobs added in bulk, then two workers (concurrency 25 each)
// drain the queue, with completed jobs kept and with removeOnComplete. Our bare engine (child process) and
// redis-server are measured in the same run, alternating, best of BENCH_QUEUES_ROUNDS; jobs/s counts from the
// first addBulk to the last completion, so it covers the adding scripts (addStandardJob) as well as
// moveToActive / moveToFinished, which carry almost all of a queue's Redis time. Each server's CPU per job
// (from /proc, least of the rounds) is printed too: on the shared machine it moves far less than jobs/s.
import { Queue, Worker } from 'bullmq';
import { readFileSync } from 'node:fs';
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

/** CPU time (user + system) of process `pid` in microseconds; 0 where /proc is missing. */
function cpuMicros(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return 0;
  }
}

/** queueRun's jobs/s and the server's CPU microseconds per job. */
async function measuredRun(port: number, pid: number | undefined, removeOnComplete: boolean): Promise<[number, number]> {
  const c0 = cpuMicros(pid);
  const rate = await queueRun(port, removeOnComplete);
  return [rate, (cpuMicros(pid) - c0) / JOBS];
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
      const best = [0, 0];
      const cpu = [Infinity, Infinity];
      for (let round = 0; round < ROUNDS; round++) {
        const o = await measuredRun(ours.port, ours.child.pid, removeOnComplete);
        const r = await measuredRun(real.port, real.child.pid, removeOnComplete);
        best.splice(0, 2, Math.max(best[0] as number, o[0]), Math.max(best[1] as number, r[0]));
        cpu.splice(0, 2, Math.min(cpu[0] as number, o[1]), Math.min(cpu[1] as number, r[1]));
        process.stderr.write(`${new Date().toISOString().slice(11, 19)}\tqueue removeOnComplete=${removeOnComplete}\t${o[0].toFixed(0)} (${o[1].toFixed(0)} us/job)\t${r[0].toFixed(0)} (${r[1].toFixed(0)} us/job)\n`);
      }
      const [o, r] = best as [number, number];
      const [oc, rc] = cpu as [number, number];
      rows.push([removeOnComplete ? 'removeOnComplete' : 'completed kept', o.toFixed(0), r.toFixed(0), `${(o / r).toFixed(2)}x`, oc.toFixed(0), rc.toFixed(0), `${(oc / rc).toFixed(1)}x`]);
    }
  } finally {
    await stop(ours.child);
    await stop(real.child);
  }
  const title = `### Job queues: BullMQ, ${JOBS} jobs added in bulk, ${WORKERS} workers x ${CONCURRENCY} concurrency (jobs/s, best of ${ROUNDS} alternating runs after a warm-up)`;
  return `${title}\n\n${markdownTable(['completed jobs', 'ours (jobs/s)', 'redis-server (jobs/s)', 'ratio', 'ours CPU/job (us)', 'redis-server CPU/job (us)', 'CPU ratio'], rows)}`;
}
