// Child-process entry for the benchmarks: the emulator on a free port with a temporary data directory,
// so the load generator never shares its thread. Prints its API address once it answers.
import { start } from '../src/index.ts';

const emulator = await start({ port: 0, transitionDelayMs: 0 });
console.log(`emulator listening on ${emulator.url}`);
const stop = (): void => {
  void emulator.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
