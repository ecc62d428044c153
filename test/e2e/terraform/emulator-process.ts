// One emulator in a process of its own, so that the concurrent Terraform configurations do not share
// an event loop: prints its URL as a JSON line, stops when told (SIGTERM) or when its parent goes away.
import { start } from '../../../src/index.ts';

// Only the configuration that leaves `port` unset gets Redis's 6379 (the side-by-side emulators must not race for it).
const emulator = await start({ port: 0, transitionDelayMs: 200, redisDefaultPort: Number(process.env.ECL_REDIS_DEFAULT_PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ emulatorUrl: emulator.url })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  emulator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
