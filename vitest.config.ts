import { configDefaults, defineConfig } from 'vitest/config';
import { LongPolesFirst } from './test/support/long-poles-first.ts';

// Files that spend their minutes waiting on another program's fixed schedule (the aws provider's 30 s polls),
// not on CPU: in one of the two forks such a file held a worker idle for a third of the run. They run in a
// thread of their own beside the two forks instead. A file whose assertions read process.cpuUsage (loop-hold.ts)
// must not go here: a thread shares the CPU count of vitest's main process.
const WAITING = ['test/e2e/terraform.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; its own default (1 s) failed tests under load (a TLS client's writes, a replica catching up).
    expect: { poll: { timeout: 20_000 } },
    // Every test file starts its own servers on port 0; two workers match the 2-core CI machine.
    poolOptions: { forks: { maxForks: 2, minForks: 1 }, threads: { maxThreads: 1, minThreads: 1 } },
    sequence: { sequencer: LongPolesFirst },
    // vitest runs the two projects' pools at the same time.
    projects: [
      { extends: true, test: { name: 'waiting', include: WAITING, pool: 'threads' } },
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...WAITING], pool: 'forks' } },
    ],
  },
});
