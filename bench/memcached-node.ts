// Child-process entry for the benchmark: one engine node, so the load generator never shares its thread.
import { runStandalone } from '../engines/memcached/standalone.ts';

await runStandalone(process.argv.slice(2));
