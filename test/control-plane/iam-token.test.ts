import { describe, expect, it } from 'vitest';
import { iamTokenProblem } from '../../src/protocol/iam-token.ts';
import { CREDENTIALS as KEY } from '../support/emulator.ts';
import { iamToken } from '../support/iam-token.ts';

const credentials = new Map([[KEY.accessKeyId, KEY]]);

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
