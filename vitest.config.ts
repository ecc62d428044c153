import { configDefaults, defineConfig } from 'vitest/config';
import { LongPolesFirst } from './test/support/long-poles-first.ts';
import { sourcesFromDist } from './test/support/sources-from-dist.ts';

// Files that spend their minutes waiting on another program's fixed schedule (the aws provider's 30 s polls,
// real memcached's crawler a minute after start), not on CPU: in one of the two forks such a file held a worker
// idle for a third of the run. They run in threads of their own beside the two forks instead. (loop-hold.ts reads
// the CPU time of its own thread, so a file measuring loop holds could run in a thread too.)
const WAITING = ['test/e2e/terraform.test.ts', 'test/engines/memcached/differential-autocrawl-schedule.test.ts'];

export default defineConfig({
  plugins: [sourcesFromDist()],
  test: {
    // Tests run the compiled sources (sources-from-dist.ts): rebuilt first when older than the TypeScript.
    globalSetup: ['test/support/built.ts'],
    server: { deps: { external: [/\/dist\//] } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; its own default (1 s) failed tests under load (a TLS client's writes, a replica catching up).
    expect: { poll: { timeout: 20_000 } },
    // Every test file starts its own servers on port 0; two workers match the 2-core CI machine.
    poolOptions: { forks: { maxForks: 2, minForks: 1 }, threads: { maxThreads: 1, minThreads: 1 } },
    sequence: { sequencer: LongPolesFirst },
    // vitest runs the two projects' pools at the same time.
    projects: [
      { extends: true, test: { name: 'waiting', include: WAITING, pool: 'threads', poolOptions: { threads: { maxThreads: WAITING.length, minThreads: 1 } } } },
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...WAITING], pool: 'forks' } },
    ],
  },
});
