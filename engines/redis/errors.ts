// Errors are values carrying Redis's own prefix word; dispatch encodes them in one place.
export class RedisError extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}

export function fail(reply: string): never {
  throw new RedisError(reply);
}

export const E = {
  SYNTAX: 'ERR syntax error',
  NOT_INT: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NO_KEY: 'ERR no such key',
  OVERFLOW: 'ERR increment or decrement would overflow',
  NAN_INF: 'ERR increment would produce NaN or Infinity',
  OUT_OF_RANGE: 'ERR index out of range',
  DB_INDEX: 'ERR DB index is out of range',
  TIMEOUT: 'ERR timeout is not a float or out of range',
  TIMEOUT_NEG: 'ERR timeout is negative',
  EXPIRE_TIME: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  NOAUTH: 'NOAUTH Authentication required.',
  OOM: "OOM command not allowed when used memory > 'maxmemory'.",
  WRONGPASS: 'WRONGPASS invalid username-password pair or user is disabled.',
  MIN_MAX_FLOAT: 'ERR min or max is not a float',
  MIN_MAX_LEX: 'ERR min or max not valid string range item',
  BIT_OFFSET: 'ERR bit offset is not an integer or out of range',
  BIT_VALUE: 'ERR bit is not an integer or out of range',
  STRING_TOO_LONG: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  // Formatted with %s in redis-server, so both names end at a NUL byte.
  UNKNOWN_SUB: (sub: string, cmd: string) => `ERR unknown subcommand '${sub.split('\0')[0]}'. Try ${(cmd.split('\0')[0] as string).toUpperCase()} HELP.`,
  /** redis-server's addReplySubcommandSyntaxError: a known subcommand given the wrong arguments. */
  SUB_SYNTAX: (args: readonly string[]) =>
    `ERR unknown subcommand or wrong number of arguments for '${(args[1] as string).split('\0')[0]?.slice(0, 128)}'. Try ${(args[0] as string).split('\0')[0]?.toUpperCase()} HELP.`,
} as const;
