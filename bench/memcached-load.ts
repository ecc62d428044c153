// Load generator for bench/memcached.ts: pipelined raw text-protocol connections, one process.
// Usage: memcached-load.ts <port> <workload: set|get|multiget> <connections> <pipeline> <seconds>
import net from 'node:net';

const [portArg, workload, connsArg, depthArg, secondsArg] = process.argv.slice(2);
const port = Number(portArg);
const connections = Number(connsArg);
const depth = Number(depthArg);
const seconds = Number(secondsArg);
const KEYSPACE = 10000;
const VALUE = 'x'.repeat(100);
const MULTIGET = 10;

export const PRELOAD_KEYS = KEYSPACE;

let counter = 0;
function request(): string {
  counter = (counter * 1103515245 + 12345) >>> 0;
  const k = counter % KEYSPACE;
  switch (workload) {
    case 'set':
      return `set key:${k} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`;
    case 'get':
      return `get key:${k}\r\n`;
    default: {
      let line = 'get';
      for (let i = 0; i < MULTIGET; i++) line += ` key:${(k + i * 997) % KEYSPACE}`;
      return line + '\r\n';
    }
  }
}

/** Every reply ends with this marker, and no value contains it. */
const TERMINATOR = Buffer.from(workload === 'set' ? 'STORED\r\n' : 'END\r\n');

async function preload(): Promise<void> {
  if (workload === 'set') return;
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let script = '';
    for (let k = 0; k < KEYSPACE; k++) script += `set key:${k} 0 0 ${VALUE.length} noreply\r\n${VALUE}\r\n`;
    s.on('connect', () => s.write(script + 'mn\r\n'));
    let tail = '';
    s.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-8);
      if (tail.endsWith('MN\r\n')) {
        s.destroy();
        resolve();
      }
    });
    s.on('error', reject);
  });
}

function countTerminators(buf: Buffer, carry: Buffer): { count: number; carry: Buffer } {
  const data = carry.length ? Buffer.concat([carry, buf]) : buf;
  let count = 0;
  let from = 0;
  for (;;) {
    const i = data.indexOf(TERMINATOR, from);
    if (i < 0) break;
    count++;
    from = i + TERMINATOR.length;
  }
  const keep = Math.min(TERMINATOR.length - 1, data.length - from);
  return { count, carry: data.subarray(data.length - keep) };
}

async function run(): Promise<void> {
  await preload();
  let completed = 0;
  let measuring = false;
  let stop = false;
  const sockets: net.Socket[] = [];
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1');
          s.setNoDelay(true);
          let carry: Buffer = Buffer.alloc(0);
          s.on('connect', () => {
            let batch = '';
            for (let i = 0; i < depth; i++) batch += request();
            s.write(batch);
            sockets.push(s);
            resolve();
          });
          s.on('data', (d: Buffer) => {
            const r = countTerminators(d, carry);
            carry = r.carry;
            if (measuring) completed += r.count;
            if (stop || r.count === 0) return;
            let batch = '';
            for (let i = 0; i < r.count; i++) batch += request();
            s.write(batch);
          });
          s.on('error', reject);
        }),
    ),
  );
  // Warm up briefly so connection set-up does not count.
  await new Promise((r) => setTimeout(r, 300));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  for (const s of sockets) s.destroy();
  process.stdout.write(JSON.stringify({ ops: completed, seconds: elapsed }) + '\n');
}

await run();
