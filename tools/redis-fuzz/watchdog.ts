// Our engine runs in the fuzzer's own process, so a command that loops forever in it freezes the
// harness too and the run just stops printing (RANDOMKEY over the empty key did). A worker thread
// keeps running while the main thread is stuck: it names the seed, step and command that made no
// progress, stops redis-server, and ends the run.
import { Worker } from 'node:worker_threads';

const CMD_BYTES = 200;
// Slots of the shared state: seed, step, heartbeat, command length.
const SEED = 0;
const STEP = 1;
const BEAT = 2;
const LEN = 3;

const WORKER = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { state, text, stallMs, pids } = workerData;
let last = -1;
let since = Date.now();
setInterval(() => {
  const beat = Atomics.load(state, ${BEAT});
  if (beat !== last) { last = beat; since = Date.now(); return; }
  if (last === 0 || Date.now() - since < stallMs) return;
  const cmd = Buffer.from(text.buffer, 0, Atomics.load(state, ${LEN})).toString('latin1');
  fs.writeSync(2, 'redis-fuzz: no progress for ' + stallMs / 1000 + ' s in seed ' + state[${SEED}] + ' at step ' + state[${STEP}] + ': ' + cmd + ' (ours in this process is stuck); ending the run\\n');
  for (const pid of pids) { if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch {} }
  process.kill(process.pid, 'SIGKILL');
}, 1000);
`;

export interface Watchdog {
  /** Called before each step: the last call is what a stall report names. */
  at(seed: number, step: number, cmd: readonly string[]): void;
  /** The redis-server to stop with the run from now on (one started anew after a crash). */
  alsoKill(pid: number): void;
  stop(): Promise<void>;
}

export function startWatchdog(stallMs: number, alsoKill: readonly number[]): Watchdog {
  const state = new Int32Array(new SharedArrayBuffer(4 * 4));
  const text = new Uint8Array(new SharedArrayBuffer(CMD_BYTES));
  const pids = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, alsoKill.length)));
  pids.set(alsoKill);
  const worker = new Worker(WORKER, { eval: true, workerData: { state, text, stallMs, pids } });
  worker.unref();
  return {
    at(seed, step, cmd) {
      const bytes = Buffer.from(cmd.join(' '), 'latin1').subarray(0, CMD_BYTES);
      text.set(bytes);
      state[SEED] = seed;
      state[STEP] = step;
      Atomics.store(state, LEN, bytes.length);
      Atomics.add(state, BEAT, 1);
    },
    alsoKill(pid) {
      Atomics.store(pids, 0, pid);
    },
    stop: () => worker.terminate().then(() => undefined),
  };
}
