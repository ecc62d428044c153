import crypto from 'node:crypto';
import { isAccountId, isRegion } from '../catalog/regions.ts';
import type { ResolvedConfig } from '../config.ts';
import type { Scope } from '../store/records.ts';
import { commonError } from './errors.ts';
import {
  computeSignature,
  MalformedSignature,
  MAX_CLOCK_SKEW_MS,
  parseAmzDate,
  signatureParts,
  signaturesMatch,
  type RequestToVerify,
} from './sigv4.ts';

export interface IncomingRequest {
  method: string;
  /** Path and raw query string as sent. */
  url: string;
  headers: RequestToVerify['headers'];
  body: string;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function rawQuery(url: string): [string, string][] {
  const q = url.indexOf('?');
  return q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1))];
}

/**
 * The account and region a request acts in, from its SigV4 credential scope. The region must be an AWS
 * region and the account twelve digits before either is used: both become folder names and record keys,
 * so nothing else can carry a request into another account's or region's data. With verifySignatures, the
 * signature is checked as AWS checks it.
 */
export function authenticate(request: IncomingRequest, config: ResolvedConfig, now = Date.now()): Scope {
  const query = rawQuery(request.url);
  let parts;
  try {
    parts = signatureParts(request.headers, new Map(query));
  } catch (err) {
    if (err instanceof MalformedSignature) throw commonError('IncompleteSignature', err.message);
    throw err;
  }
  if (!parts) {
    if (config.verifySignatures) throw commonError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    return { account: config.accountId, region: config.region };
  }
  const { accessKey, region } = parts.scope;
  const known = config.credentials.get(accessKey);
  if (config.verifySignatures && !known) {
    throw commonError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  if (!isRegion(region)) {
    throw commonError('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${region}'. `);
  }
  // A 12-digit access key id names the account, so tests can isolate accounts without configuration.
  const account = known?.accountId ?? (isAccountId(accessKey) ? accessKey : config.accountId);
  if (config.verifySignatures) verify(request, query, parts, known!.secretAccessKey, now);
  return { account, region };
}

function verify(
  request: IncomingRequest,
  query: [string, string][],
  parts: NonNullable<ReturnType<typeof signatureParts>>,
  secret: string,
  now: number,
): void {
  if (parts.scope.service !== 'elasticache') {
    throw commonError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'elasticache'. `);
  }
  const signedAt = parseAmzDate(parts.amzDate ?? (request.headers.date === undefined ? undefined : toAmzDate(String(request.headers.date))));
  if (signedAt === undefined) throw commonError('IncompleteSignature', 'The request must contain a valid X-Amz-Date.');
  if (parts.presigned) {
    if (now > signedAt + (parts.expires ?? 0) * 1000) throw commonError('SignatureDoesNotMatch', 'Signature expired.');
  } else if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    throw commonError(
      'SignatureDoesNotMatch',
      `Signature expired: ${parts.amzDate} is now earlier than ${toAmzDate(new Date(now - MAX_CLOCK_SKEW_MS).toUTCString())} (${toAmzDate(new Date(now).toUTCString())} - 15 min.)`,
    );
  }
  if (!parts.signedHeaders.includes('host')) throw commonError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  const q = request.url.indexOf('?');
  const payloadHash =
    (typeof request.headers['x-amz-content-sha256'] === 'string' ? request.headers['x-amz-content-sha256'] : undefined) ??
    crypto.createHash('sha256').update(request.body, 'utf8').digest('hex');
  const expected = computeSignature(
    secret,
    { method: request.method, path: q < 0 ? request.url : request.url.slice(0, q), query, headers: request.headers, payloadHash },
    parts,
  );
  if (!signaturesMatch(expected, parts.signature)) throw commonError('SignatureDoesNotMatch', SIGNATURE_MISMATCH);
}

function toAmzDate(httpDate: string): string {
  const d = new Date(httpDate);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
