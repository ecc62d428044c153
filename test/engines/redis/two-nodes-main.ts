// `node bin/run-ts.mjs test/engines/redis/two-nodes-main.ts`: two nodes sharing one event loop, in a
// process of their own, for tests where one node could hold the loop for good (see two-nodes-process.ts).
import { createRedisServer } from '../../../engines/redis/index.ts';

const first = createRedisServer({ port: 0, host: '127.0.0.1' });
const second = createRedisServer({ port: 0, host: '127.0.0.1' });
const ports = [await first.listen(), await second.listen()];
console.log(`Ready on ${ports.join(' ')}`);
