// Deterministic cases for admin-command differences the random differential (tools/redis-fuzz) found:
// HELP texts, argument rules (BGSAVE, SHUTDOWN, MEMORY USAGE, CLIENT PAUSE/CACHING), MULTI and
// subscribe-mode admission of subcommands, names read and printed as C strings (up to a NUL), and
// RANDOMKEY over the empty name. Each compares replies byte for byte with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { standalonePair } from './standalone-process.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('admin-command differences found by the random differential', () => {
  const pair = serverPair();

  /** `\0` in the text stands for a NUL byte. */
  async function sameReplies(text: string, proto: 2 | 3 = 2): Promise<void> {
    const results = await differential(pair.ours.port, pair.real.port, script(text.replace(/\\0/g, '\u0000')), proto);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  it('every HELP of 7.0 is its text line for line, as status lines in both protocols', async () => {
    const helps = ['SLOWLOG', 'PUBSUB', 'CLIENT', 'OBJECT', 'MEMORY', 'CONFIG', 'XINFO', 'XGROUP', 'LATENCY', 'SCRIPT', 'FUNCTION', 'COMMAND', 'CLUSTER', 'ACL']
      .map((cmd) => `${cmd} HELP\n${cmd} help x`)
      .join('\n');
    await sameReplies(helps);
    await sameReplies(helps, 3);
  });

  it('BGSAVE takes SCHEDULE alone and SHUTDOWN only its options: anything else is a syntax error', async () => {
    // No valid BGSAVE here: a second one while redis-server's child runs would answer differently.
    await sameReplies('BGSAVE x y z\nBGSAVE x\nBGSAVE schedule x\nSHUTDOWN x y z\nSHUTDOWN abort now\nSHUTDOWN save nosave\nMULTI\nBGSAVE x\nEXEC');
  });

  it('LATENCY RESET and SLOWLOG RESET are subcommands, not RESET: queued in MULTI, refused in RESP2 subscribe mode', async () => {
    await sameReplies('MULTI\nLATENCY RESET\nSLOWLOG RESET\nLATENCY RESET x\nEXEC\nSUBSCRIBE ch\nSLOWLOG RESET\nLATENCY RESET\nPING\nRESET');
  });

  it('CLIENT CACHING with tracking on but neither OPTIN nor OPTOUT reads its argument; MEMORY USAGE refuses a negative SAMPLES, may repeat it', async () => {
    await sameReplies('CLIENT TRACKING on\nCLIENT CACHING x\nCLIENT CACHING yes\nCLIENT CACHING no\nCLIENT TRACKING off\nCLIENT CACHING yes');
    await sameReplies('MEMORY USAGE nosuch SAMPLES -1\nMEMORY USAGE nosuch SAMPLES 5 SAMPLES 0\nMEMORY USAGE nosuch SAMPLES 5 SAMPLES -3\nMEMORY USAGE nosuch SAMPLES 5 SAMPLES\nMEMORY USAGE nosuch SAMPLES x\nMEMORY USAGE nosuch -1');
  });

  it('names in unknown-command, NOGROUP, LATENCY GRAPH and CONFIG SET errors end at a NUL byte, as %s prints them', async () => {
    // No known name followed by a NUL ('GET\\0'): redis-server's command table compares names with
    // strcasecmp but hashes every byte with a per-start random seed, so it finds GET there about once
    // in 256 starts (a fresh-clone run met one) and reports an unknown command otherwise.
    await sameReplies('a\\0b x\nfoo "a\\0b" c\nXADD s 1-1 f v\nXGROUP CREATE s g 0\nXINFO CONSUMERS s "g\\0h"\nXGROUP CREATECONSUMER s "x\\0" c\nXGROUP SETID s "x\\0" 0\nXGROUP DELCONSUMER s "x\\0" c\nLATENCY GRAPH "a\\0b"\nCONFIG SET "a\\0b" 1');
  });

  it('ACL rules, categories, DRYRUN names and CLIENT KILL USER read and print names as C strings (up to a NUL)', async () => {
    await sameReplies('ACL SETUSER u "a\\0b"\nACL CAT "a\\0b"\nACL DRYRUN "a\\0b" get x\nACL SETUSER u1 "+get\\0x"\nACL SETUSER u1 "+@a\\0x"\nACL SETUSER u1 "+client|id\\0x" "-@geo\\0x"\nACL DRYRUN u1 get k\nACL DRYRUN u1 client id\nACL DRYRUN u1 geoadd k 0 0 m\nACL DELUSER u u1\nCLIENT KILL USER "a\\0"');
  });

  it('FUNCTION LIST and FUNCTION LOAD print an unknown argument up to its NUL; FUNCTION LIST keeps a trailing CR/LF as spaces', async () => {
    await sameReplies('FUNCTION LIST "\\0" x\nFUNCTION LIST "\\r\\n" lib1\nFUNCTION LIST "a\\0b"\nFUNCTION LIST "a\\r\\n"\nFUNCTION LOAD "a\\0b" "#!lua name=bad\\nreturn 1"\nFUNCTION LOAD "a\\r\\n" x');
  });

  it('PFDEBUG, EXPIRE and XCLAIM name an unknown option up to its NUL; notify-keyspace-events is read up to its NUL', async () => {
    await sameReplies('PFADD h a\nPFDEBUG "a\\0b" h\nSET k 1\nEXPIRE k 100 "a\\0b"\nXADD s 1-1 f v\nXGROUP CREATE s g 0\nXCLAIM s g c 0 1-1 "a\\0b"\nCONFIG SET notify-keyspace-events "KEA\\0!"\nCONFIG GET notify-keyspace-events\nCONFIG SET notify-keyspace-events "\\0!"\nCONFIG GET notify-keyspace-events\nCONFIG SET notify-keyspace-events ""');
  });

  it('CLIENT PAUSE checks the count, then the mode, then the timeout; a timeout past LLONG_MAX pauses nothing; TYPE and HELLO options are C strings', async () => {
    await sameReplies('CLIENT PAUSE x FOO\nCLIENT PAUSE -1 FOO\nCLIENT PAUSE 0 all x\nCLIENT PAUSE x\nCLIENT PAUSE 9223372036854775807\nPING\nCLIENT PAUSE 0 "write\\0"\nCLIENT UNPAUSE\nCLIENT LIST TYPE "a\\0b"\nCLIENT KILL TYPE "master\\0"\nHELLO 2 "a\\0b"');
  });
});

// In a child process: this bug held the event loop for good, which would freeze an in-process test.
describe.skipIf(!available)('RANDOMKEY over the empty key name', () => {
  const pair = standalonePair();

  it('answers the empty name when it is the only key (the sampler took it for a hole and looped forever)', async () => {
    const results = await differential(pair.ours.port, pair.real.port, script('SET "" x\nRANDOMKEY\nSET a 1\nDEL a\nRANDOMKEY\nDEL ""\nRANDOMKEY'));
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    expect(results[1]?.real).toBe('$0\r\n\r\n');
  });

  it("ACL rules as redis-server reads them: key and channel patterns refuse C whitespace and NUL bytes, %R/%W once each, flags and '~*'/'&*' compared up to a NUL, a selector's rules split as a C string", async () => {
    const cmds = [
      ["ACL", "SETUSER", "v", "~a\x00b"],
      ["ACL", "SETUSER", "v", "%R~a\x00b"],
      ["ACL", "SETUSER", "v", "%RR~x"],
      ["ACL", "SETUSER", "v", "%~x"],
      ["ACL", "SETUSER", "v", "~a b"],
      ["ACL", "SETUSER", "v", "~a\tb"],
      ["ACL", "SETUSER", "v", "&a\x00b"],
      ["ACL", "SETUSER", "v", "&a b"],
      ["ACL", "SETUSER", "v", "~*\x00x"],
      ["ACL", "GETUSER", "v"],
      ["ACL", "SETUSER", "v", "resetkeys", "%W~*\x00"],
      ["ACL", "GETUSER", "v"],
      ["ACL", "SETUSER", "v", "resetchannels", "&*\x00"],
      ["ACL", "GETUSER", "v"],
      ["ACL", "SETUSER", "v", ">a\x00b"],
      ["ACL", "SETUSER", "v", "#a\x00b"],
      ["ACL", "SETUSER", "v", "on\x00"],
      ["ACL", "SETUSER", "v", "allkeys\x00"],
      ["ACL", "SETUSER", "v", "(~x\x00)"],
      ["ACL", "DELUSER", "v"],
      ["ACL", "SETUSER", "w", "%RW~*"],
      ["ACL", "GETUSER", "w"],
      ["ACL", "SETUSER", "w", "resetkeys", "%R~a", "%W~a"],
      ["ACL", "GETUSER", "w"],
      ["ACL", "SETUSER", "w", "~x\x0b"],
      ["ACL", "SETUSER", "w", "OFF\x00x", "nopass\x00", "ON"],
      ["ACL", "GETUSER", "w"],
      ["ACL", "DELUSER", "w"],
    ];
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });
});
