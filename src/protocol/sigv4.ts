import crypto from 'node:crypto';

/**
 * AWS Signature Version 4, as the emulator needs it: to check a request's Authorization header or a
 * presigned query (the API with --verify-signatures, and ElastiCache IAM auth tokens on the nodes).
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** How far a signed request's X-Amz-Date may be from now, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** The longest validity a presigned request may ask for (seven days). */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface CredentialScope {
  accessKey: string;
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
}

export interface SignatureParts {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (YYYYMMDDTHHMMSSZ). */
  amzDate: string | undefined;
  /** Presigned requests only: validity in seconds. */
  expires?: number;
  presigned: boolean;
}

export interface RequestToVerify {
  method: string;
  path: string;
  /** Query parameters, decoded, in any order. */
  query: [string, string][];
  /** Header values by lower-case name. */
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD. */
  payloadHash: string;
}

export class MalformedSignature extends Error {}

export function parseCredential(text: string): CredentialScope | undefined {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKey, date, region, service] = parts as [string, string, string, string];
  if (accessKey === '' || !/^\d{8}$/.test(date) || service === '') return undefined;
  return { accessKey, date, region, service };
}

/** The signature carried by an Authorization header or by X-Amz-* query parameters; undefined if none. */
export function signatureParts(headers: RequestToVerify['headers'], query: Map<string, string>): SignatureParts | undefined {
  const header = headerValue(headers, 'authorization');
  if (header !== undefined) {
    if (!header.startsWith(`${ALGORITHM} `)) throw new MalformedSignature(`Unsupported authorization type: ${header.split(' ')[0]}`);
    const fields = new Map<string, string>();
    for (const item of header.slice(ALGORITHM.length + 1).split(',')) {
      const eq = item.indexOf('=');
      if (eq > 0) fields.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (credential === undefined || signedHeaders === undefined || signature === undefined) {
      throw new MalformedSignature("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
    }
    const scope = parseCredential(credential);
    if (!scope) throw new MalformedSignature(`Credential '${credential}' is not of the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request.`);
    return { scope, signedHeaders: signedHeaders.split(';'), signature, amzDate: headerValue(headers, 'x-amz-date'), presigned: false };
  }
  const credential = query.get('X-Amz-Credential');
  if (credential === undefined) return undefined;
  const scope = parseCredential(credential);
  if (!scope) throw new MalformedSignature(`Credential '${credential}' is not of the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request.`);
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw new MalformedSignature(`X-Amz-Algorithm must be ${ALGORITHM}.`);
  const signature = query.get('X-Amz-Signature');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  if (signature === undefined || signedHeaders === undefined) {
    throw new MalformedSignature('A presigned request needs X-Amz-Signature and X-Amz-SignedHeaders.');
  }
  const expiresText = query.get('X-Amz-Expires');
  const expires = expiresText === undefined ? undefined : /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : NaN;
  if (expires !== undefined && (Number.isNaN(expires) || expires > MAX_PRESIGN_SECONDS)) {
    throw new MalformedSignature('X-Amz-Expires must be a number of seconds no greater than one week.');
  }
  return { scope, signedHeaders: signedHeaders.split(';'), signature, amzDate: query.get('X-Amz-Date'), expires, presigned: true };
}

function headerValue(headers: RequestToVerify['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ escaped. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function parseAmzDate(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? undefined : ms;
}

function canonicalRequest(request: RequestToVerify, parts: SignatureParts): string {
  const query = request.query
    .filter(([k]) => !(parts.presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = parts.signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const path = request.path.split('/').map((segment) => uriEncode(safeDecode(segment))).join('/') || '/';
  return [request.method, path, query, headers, parts.signedHeaders.join(';'), request.payloadHash].join('\n');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();

export function computeSignature(secret: string, request: RequestToVerify, parts: SignatureParts): string {
  const { date, region, service } = parts.scope;
  const stringToSign = [
    ALGORITHM,
    parts.amzDate ?? '',
    `${date}/${region}/${service}/aws4_request`,
    crypto.createHash('sha256').update(canonicalRequest(request, parts), 'utf8').digest('hex'),
  ].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/** Constant-time comparison, so the time taken reveals nothing about how much of a signature matched. */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
