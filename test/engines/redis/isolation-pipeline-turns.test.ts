// One read can carry a thousand commands that each cost a fraction of a millisecond: run in one turn they
// hold the loop every node shares for the sum. The engine runs a client's pipeline a slice of CPU at a
// time (engine.ts, TURN_BUDGET_MS), so another node answers meanwhile, and the client still gets every
// reply, in order, equal to redis-server's.
import { describe, expect, it } from 'vitest';
import { cpuMs } from '../../support/loop-hold.ts';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';
import { stallServers, whileWorking } from './stall.ts';

const LIST = 20_000;
const COMMANDS = 1000;
const available = realRedisAvailable();

function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < LIST; from += 1000) {
    const cmd = ['RPUSH', 'l'];
    for (let i = from; i < from + 1000; i++) cmd.push(`e${i}`);
    out.push(cmd);
  }
  return out;
}

/** Each one walks the whole list: LPOS of a missing element, or one near the end, with RANK and MAXLEN. */
const scan = (i: number): string[] => (i % 3 === 0 ? ['LPOS', 'l', `e${LIST - 1 - (i % 50)}`] : i % 3 === 1 ? ['LPOS', 'l', 'nosuch'] : ['LPOS', 'l', 'e7', 'RANK', '-1', 'MAXLEN', '0']);

/** Sends the whole pipeline in one write and reads its COMMANDS replies; the concatenated replies. */
async function runPipeline(port: number, wrap: boolean): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const cmds = Array.from({ length: COMMANDS }, (_, i) => scan(i));
    if (wrap) cmds.unshift(['MULTI']), cmds.push(['EXEC']);
    c.write(Buffer.concat(cmds.map((x) => encodeCommand(x))));
    const replies: string[] = [];
    for (let i = 0; i < cmds.length; i++) replies.push((await c.read(60_000)).toString('latin1'));
    return wrap ? (replies.at(-1) as string) : `*${COMMANDS}\r\n${replies.join('')}`;
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('a long pipeline in one read', () => {
  const s = stallServers(fill);

  it('runs in slices: another node answers within a small part of the time the pipeline takes whole, replies as redis-server', async () => {
    // What the same commands cost run whole: inside MULTI/EXEC, which must not yield.
    const t0 = cpuMs();
    const whole = await runPipeline(s.busy.port, true);
    const wholeMs = cpuMs() - t0;
    expect(wholeMs, 'the pipeline must be long enough to tell slices from a whole run').toBeGreaterThan(40);

    let ours!: Promise<string>;
    const { loop, answered } = await whileWorking(s.other.port, () => (ours = runPipeline(s.busy.port, false)));
    const real = await runPipeline(s.real.port, false);
    expect(await ours).toBe(real);
    expect(whole).toBe(real);
    expect(answered).toBeGreaterThan(1);
    // A slice is ~1 ms of commands; the rest of a hold is the collector and the probe's own turns.
    expect(loop, `worst hold ${loop.toFixed(1)} ms against ${wholeMs.toFixed(1)} ms whole`).toBeLessThan(wholeMs / 3);
  });
});
