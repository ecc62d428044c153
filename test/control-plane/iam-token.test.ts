import { SignatureV4 } from '@smithy/signature-v4';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iamTokenProblem } from '../../src/protocol/iam-token.ts';

const KEY = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const credentials = new Map([[KEY.accessKeyId, KEY]]);

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
async function iamToken(cacheName: string, userId: string, opts: { secret?: string; expiresIn?: number; signingDate?: Date; service?: string } = {}) {
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

describe('ElastiCache IAM auth tokens', () => {
  it('accepts a token signed by the AWS SDK signer for the cache and user', async () => {
    const token = await iamToken('my-cache', 'iam-user');
    expect(token).toMatch(/^my-cache\/\?.*Action=connect.*X-Amz-Expires=900/);
    expect(iamTokenProblem(token, { cacheName: 'my-cache', userId: 'iam-user', credentials })).toBeNull();
    expect(iamTokenProblem(`https://${token}`, { cacheName: 'my-cache', userId: 'iam-user', credentials })).toBeNull();
  });

  it('refuses expired, forged, misdirected and over-long tokens', async () => {
    const check = { cacheName: 'my-cache', userId: 'iam-user', credentials };
    const old = await iamToken('my-cache', 'iam-user', { signingDate: new Date(Date.now() - 16 * 60_000) });
    expect(iamTokenProblem(old, check)).toBe('expired');
    expect(iamTokenProblem(await iamToken('my-cache', 'iam-user', { secret: 'forged' }), check)).toBe('signature does not match');
    const good = await iamToken('my-cache', 'iam-user');
    expect(iamTokenProblem(good.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'), check)).toBe('signature does not match');
    expect(iamTokenProblem(good, { ...check, cacheName: 'other-cache' })).toMatch(/^signed for my-cache/);
    expect(iamTokenProblem(good, { ...check, userId: 'someone-else' })).toMatch(/^signed for user iam-user/);
    expect(iamTokenProblem(good, { ...check, credentials: new Map() })).toMatch(/^unknown access key/);
    expect(iamTokenProblem(await iamToken('my-cache', 'iam-user', { expiresIn: 3600 }), check)).toMatch(/X-Amz-Expires/);
    expect(iamTokenProblem(await iamToken('my-cache', 'iam-user', { service: 's3' }), check)).toMatch(/service s3/);
    expect(iamTokenProblem('not a token', check)).toBe('not a presigned request');
    expect(iamTokenProblem('my-cache/?Action=connect&User=iam-user', check)).toBe('no presigned signature');
  });
});
