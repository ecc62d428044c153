// EVALSHA of a one-line INCR script and FCALL of the same as a function, through redis-benchmark,
// against our engine (child process) and redis-server in the same run, at -P 1 and -P 16. The targets
// table's scripting rows (issue 9) are this section's -P 1 figures, measured once per `npm run bench`.
import { bestRates } from './redis.ts';
import { cli, markdownTable, startOurNode, startRealNode, stop } from './redis-servers.ts';

const PIPELINES = [1, 16];
const SCRIPT = "return redis.call('INCR', KEYS[1])";
const LIBRARY = "#!lua name=benchlib\nredis.register_function('incr1', function(keys) return redis.call('INCR', keys[1]) end)";

export interface ScriptingRate {
  name: 'EVALSHA' | 'FCALL';
  pipeline: number;
  ours: number;
  real: number;
}

let measured: Promise<ScriptingRate[]> | undefined;
export function scriptingRates(): Promise<ScriptingRate[]> {
  measured ??= measure();
  return measured;
}

async function measure(): Promise<ScriptingRate[]> {
  const ours = await startOurNode();
  const real = await startRealNode().catch(async (err: unknown) => {
    await stop(ours.child);
    throw err;
  });
  const out: ScriptingRate[] = [];
  try {
    const sha = cli(ours.port, ['SCRIPT', 'LOAD', SCRIPT]);
    if (cli(real.port, ['SCRIPT', 'LOAD', SCRIPT]) !== sha) throw new Error('script sha differs');
    for (const port of [ours.port, real.port]) cli(port, ['FUNCTION', 'LOAD', 'REPLACE', LIBRARY]);
    const tests: [ScriptingRate['name'], string[]][] = [
      ['EVALSHA', ['EVALSHA', sha, '1', 'key:__rand_int__']],
      ['FCALL', ['FCALL', 'incr1', '1', 'key:__rand_int__']],
    ];
    for (const pipeline of PIPELINES) {
      for (const [name, command] of tests) {
        const [o, r] = bestRates(ours.port, real.port, pipeline, ['-r', '1000', ...command]);
        out.push({ name, pipeline, ours: o, real: r });
        process.stderr.write(`${new Date().toISOString().slice(11, 19)}\t${name} INCR -P ${pipeline}\t${o.toFixed(0)}\t${r.toFixed(0)}\n`);
      }
    }
  } finally {
    await stop(ours.child);
    await stop(real.child);
  }
  return out;
}

export async function benchScripting(): Promise<string> {
  const rows = (await scriptingRates()).map((r) => [`${r.name} incr`, String(r.pipeline), r.ours.toFixed(0), r.real.toFixed(0), `${(r.ours / r.real).toFixed(2)}x`]);
  return `### Scripts: EVALSHA and FCALL of an INCR (redis-benchmark -c 50 -r 1000, best of 2 alternating runs after a warm-up)\n\n${markdownTable(['test', '-P', 'ours (req/s)', 'redis-server (req/s)', 'ratio'], rows)}`;
}
