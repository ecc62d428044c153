// EVALSHA of a one-line INCR script and FCALL of the same as a function, through redis-benchmark,
// against our engine (child process) and redis-server in the same run, at -P 1 and -P 16.
import { cli, firstRate, markdownTable, redisBenchmark, startOurNode, startRealNode, stop } from './redis-servers.ts';

const REQUESTS = 100000;
const PIPELINES = [1, 16];
const REPEATS = 2;
const SCRIPT = "return redis.call('INCR', KEYS[1])";
const LIBRARY = "#!lua name=benchlib\nredis.register_function('incr1', function(keys) return redis.call('INCR', keys[1]) end)";

function runCustom(port: number, command: string[], pipeline: number): number {
  return firstRate(redisBenchmark(port, pipeline, REQUESTS, ['-r', '1000', ...command]));
}

export async function benchScripting(): Promise<string> {
  const ours = await startOurNode();
  const real = await startRealNode().catch(async (err: unknown) => {
    await stop(ours.child);
    throw err;
  });
  const oursPort = ours.port;
  const realPort = real.port;
  const rows: string[][] = [];
  try {
    const sha = cli(oursPort, ['SCRIPT', 'LOAD', SCRIPT]);
    if (cli(realPort, ['SCRIPT', 'LOAD', SCRIPT]) !== sha) throw new Error('script sha differs');
    for (const port of [oursPort, realPort]) cli(port, ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]);
    const tests: [string, string[]][] = [
      ['EVALSHA incr', ['EVALSHA', sha, '1', 'key:__rand_int__']],
      ['FCALL incr', ['FCALL', 'incr1', '1', 'key:__rand_int__']],
    ];
    for (const pipeline of PIPELINES) {
      for (const [name, command] of tests) {
        let bestOurs = 0;
        let bestReal = 0;
        for (let i = 0; i < REPEATS; i++) {
          bestOurs = Math.max(bestOurs, runCustom(oursPort, command, pipeline));
          bestReal = Math.max(bestReal, runCustom(realPort, command, pipeline));
        }
        rows.push([name, String(pipeline), bestOurs.toFixed(0), bestReal.toFixed(0), `${(bestOurs / bestReal).toFixed(2)}x`]);
      }
    }
  } finally {
    await stop(ours.child);
    await stop(real.child);
  }
  return markdownTable(['test', '-P', 'ours (req/s)', 'redis-server (req/s)', 'ratio'], rows);
}
