// ElastiCache IAM auth tokens made with the AWS SDK's own SigV4 signer, as applications make them.
import { SignatureV4 } from '@smithy/signature-v4';
import crypto from 'node:crypto';
import { CREDENTIALS as KEY } from './emulator.ts';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData) =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** SHA-256 for the SDK's signer, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? crypto.createHash('sha256') : crypto.createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** The token as AWS documents it: a presigned GET of the cache for Action=connect, without its scheme. */
export async function iamToken(cacheName: string, userId: string, opts: { secret?: string; expiresIn?: number; signingDate?: Date; service?: string } = {}) {
  const signer = new SignatureV4({
    service: opts.service ?? 'elasticache',
    region: 'us-east-1',
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: opts.secret ?? KEY.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: cacheName, path: '/', query: { Action: 'connect', User: userId }, headers: { host: cacheName } },
    { expiresIn: opts.expiresIn ?? 900, signingDate: opts.signingDate },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${cacheName}/?${query}`;
}
