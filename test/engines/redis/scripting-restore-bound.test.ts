// The bound on a library's code while it loads. FUNCTION LOAD has redis-server's 500 ms; a library
// restored (FUNCTION RESTORE, a snapshot, a primary's sync) has a budget of VM instructions instead:
// one whose code runs long but ends loads however loaded the machine is, and one that never ends
// fails after the budget rather than freezing the process (every node shares its event loop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpFunctions } from '../../../engines/redis/scripting/function-dump.ts';
import { encodeCommand, RawClient, startServer, type Started } from './helpers.ts';

/** About 3e7 VM instructions: seconds of fengari, past FUNCTION LOAD's 500 ms, within the restore budget. */
const SLOW = "#!lua name=slow\nfor i = 1, 3e7 do end\nredis.register_function('slow', function() return 'loaded' end)";
const ENDLESS = "#!lua name=endless\nwhile true do end\nredis.register_function('never', function() return 1 end)";

/** One command whose reply is one line, waited for as long as the load may take. */
async function command(c: RawClient, ...args: string[]): Promise<string> {
  c.write(encodeCommand(args));
  return (await c.read(300_000)).toString('latin1');
}

describe('library code bound at load', () => {
  let ours: Started;
  let c: RawClient;
  beforeAll(async () => {
    ours = await startServer();
    c = await RawClient.connect(ours.port);
  });
  afterAll(async () => {
    c?.close();
    await ours?.server.close();
  });

  it('FUNCTION LOAD stops slow library code at 500 ms; FUNCTION RESTORE of the same library loads it', async () => {
    expect(await command(c, 'FUNCTION', 'LOAD', SLOW)).toBe('-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n');
    expect(await command(c, 'FUNCTION', 'RESTORE', dumpFunctions([SLOW]).toString('latin1'))).toBe('+OK\r\n');
    expect(await command(c, 'FCALL', 'slow', '0')).toBe('$6\r\nloaded\r\n');
  }, 300_000);

  it('FUNCTION RESTORE of library code that never ends fails after its budget, and the node goes on', async () => {
    const reply = await command(c, 'FUNCTION', 'RESTORE', dumpFunctions([ENDLESS]).toString('latin1'), 'FLUSH');
    expect(reply).toBe('-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n');
    // All or nothing: the flush of the failed restore is undone.
    expect(await command(c, 'FCALL', 'slow', '0')).toBe('$6\r\nloaded\r\n');
    expect(await command(c, 'PING')).toBe('+PONG\r\n');
  }, 300_000);
});
