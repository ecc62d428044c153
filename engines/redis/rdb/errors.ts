// One error type for everything the codec rejects, so callers can tell a short read (wait for more
// bytes, or report a cut-off file) from damage, a bad checksum or a feature we do not carry.

export type RdbErrorCode =
  | 'TRUNCATED' // the input ended inside a record
  | 'CORRUPT' // bytes that no valid writer produces
  | 'CHECKSUM' // the trailing CRC64 does not match
  | 'VERSION' // magic or version outside what we read/write
  | 'MODULE' // a module value type: its payload is opaque without the module
  | 'UNSUPPORTED' // a valid construct we deliberately do not handle
  | 'INVALID_INPUT'; // the writer was handed something Redis could not hold

export class RdbError extends Error {
  constructor(
    readonly code: RdbErrorCode,
    message: string,
    /** Byte offset where the problem was found, when known. */
    readonly offset?: number,
    /** For TRUNCATED: the total input length that would at least be needed to make progress. */
    readonly needBytes?: number,
  ) {
    super(offset === undefined ? message : `${message} (at offset ${offset})`);
    this.name = 'RdbError';
  }
}
