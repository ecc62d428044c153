// ACL SETUSER selectors as redis-server 7.0 reads them: the text between the parentheses is split by
// sdssplitargs, so any blank separates rules and quotes and escapes work inside it ('("~a*" +get)',
// a tab); text it cannot split (`~"a b"*`, an open quote) makes an empty selector, not an error. A
// selector may arrive as one argument or, unquoted through redis-cli, as several that are joined.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const RULES: string[][] = [
  ['(~a* +get)'],
  ['(~a*', '+get)', '(%R~b* +@read)'],
  ['( ~a*  +get )'],
  ['()'],
  ['(', ')'],
  ['("~a*" +get)'],
  ['(~a*\t+get)'],
  ['(~a*\n+get\r%R~b*)'],
  ["(~a* '+get')"],
  ['(~a* "+g\\x65t")'],
  ['(~"a b"*)'],
  ['("~a*)'],
  ['(~a* "")'],
  ["(~'a b' +get)"],
  ['(~a* +get) extra'],
  ['((~a*))'],
  ['(~a*)', '(+get'],
  ['(~a*)', '(', '+get)'],
  ['(~a* reset)'],
  ['(~a* nopass)'],
  ['(resetkeys ~b* allchannels allcommands)'],
  ['(~a* &ch +get|x -@all +@read)'],
  ['(~a* +get)', 'clearselectors'],
];

describe.runIf(available)('ACL selectors with quotes and blanks, as redis-server 7.0 splits them', () => {
  const pair = serverPair();

  it('ACL SETUSER, GETUSER, LIST and DRYRUN of each selector text', async () => {
    const cmds: string[][] = [];
    RULES.forEach((rules, i) => {
      cmds.push(['ACL', 'SETUSER', `q${i}`, 'on', 'nopass', ...rules], ['ACL', 'GETUSER', `q${i}`], ['ACL', 'DRYRUN', `q${i}`, 'GET', 'a1'], ['ACL', 'DRYRUN', `q${i}`, 'GET', 'a b']);
    });
    cmds.push(['ACL', 'LIST'], ['ACL', 'DELUSER', ...RULES.map((_, i) => `q${i}`)]);
    const out = await differential(pair.ours.port, pair.real.port, cmds);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('through redis-cli, quoted and unquoted', async () => {
    const text = [
      'ACL SETUSER c1 on nopass "(~a* +get)"',
      'ACL SETUSER c2 on nopass (~a* +get)',
      'ACL SETUSER c3 on nopass (~a* +get',
      'ACL SETUSER c4 on nopass "(\\"~a*\\" +get)"',
      'ACL SETUSER c5 on nopass "(~a*\t+get)"',
      'ACL SETUSER c6 on nopass "(~\\"a b\\"*)"',
      'ACL LIST',
      'ACL DELUSER c1 c2 c3 c4 c5 c6',
    ].join('\n');
    // Asynchronously: our server answers on this process's event loop.
    const cli = (port: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn('redis-cli', ['-p', String(port)]);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
        p.on('error', reject);
        p.on('close', () => resolve(out));
        p.stdin.end(text);
      });
    const real = await cli(pair.real.port);
    expect(real).toContain('user c4 on nopass resetchannels -@all (~a* resetchannels -@all +get)');
    expect(await cli(pair.ours.port)).toBe(real);
  });
});
