import { defineConfig } from 'vitest/config';
import { LongPolesFirst } from './test/support/long-poles-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; its own default (1 s) failed tests under load (a TLS client's writes, a replica catching up).
    expect: { poll: { timeout: 20_000 } },
    // Every test file starts its own servers on port 0; two workers match the 2-core CI machine.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    sequence: { sequencer: LongPolesFirst },
  },
});
