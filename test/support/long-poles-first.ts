// Test files in the order the 2 workers take them. vitest's own order runs the slowest first only once its
// cache holds durations; a fresh clone (CI) has none, so it orders by file size, and terraform.test.ts (1 KB,
// 345 s quiet, 1181 s at load 30-45) started near the end and set the suite's length on its own (it now runs in
// a thread of its own, vitest.config.ts). These files go first, longest first (fresh-clone run, session 31);
// the rest keep vitest's order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONG_POLES = [
  'test/control-plane/snapshot-paths-sliced-write.test.ts',
  'test/engines/redis/isolation-big-strings.test.ts',
  'test/engines/redis/isolation-table-growth.test.ts',
  'test/engines/redis/isolation-many-writes.test.ts',
  'test/engines/redis/isolation-script-steps.test.ts',
  'test/engines/redis/isolation-resync.test.ts',
];

export class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_POLES.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONG_POLES.length : i;
    };
    // Array.prototype.sort is stable: files outside the list keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
