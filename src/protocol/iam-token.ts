import crypto from 'node:crypto';
import type { AccessKey } from '../config.ts';
import { computeSignature, MalformedSignature, MAX_CLOCK_SKEW_MS, parseAmzDate, signatureParts, signaturesMatch } from './sigv4.ts';

/**
 * ElastiCache IAM authentication: the password a client sends with `AUTH <user-id> <token>` is a SigV4
 * presigned GET of `https://<cache-name>/?Action=connect&User=<user-id>` (ResourceType=ServerlessCache for a
 * serverless cache) for the service `elasticache`, without its scheme, valid for at most 15 minutes.
 */
export const IAM_TOKEN_MAX_SECONDS = 900;

export interface IamTokenCheck {
  /** The replication group id or serverless cache name the token must be for. */
  cacheName: string;
  userId: string;
  credentials: ReadonlyMap<string, AccessKey>;
  now?: number;
}

/** Null when the token authenticates `userId` on `cacheName`; otherwise why not (for logs, never for clients). */
export function iamTokenProblem(token: string, check: IamTokenCheck): string | null {
  const text = token.replace(/^https?:\/\//i, '');
  const slash = text.indexOf('/');
  if (slash <= 0 || text[slash + 1] !== '?') return 'not a presigned request';
  const host = text.slice(0, slash);
  const query = [...new URLSearchParams(text.slice(slash + 2))];
  const params = new Map(query);
  if (host.toLowerCase() !== check.cacheName.toLowerCase()) return `signed for ${host}, not ${check.cacheName}`;
  if (params.get('Action') !== 'connect') return 'Action is not connect';
  if (params.get('User') !== check.userId) return `signed for user ${params.get('User')}, not ${check.userId}`;
  let parts;
  try {
    parts = signatureParts({}, params);
  } catch (err) {
    if (err instanceof MalformedSignature) return err.message;
    throw err;
  }
  if (!parts?.presigned) return 'no presigned signature';
  if (parts.scope.service !== 'elasticache') return `signed for service ${parts.scope.service}`;
  if (parts.expires === undefined || parts.expires > IAM_TOKEN_MAX_SECONDS) return `X-Amz-Expires must be at most ${IAM_TOKEN_MAX_SECONDS}`;
  const signedAt = parseAmzDate(parts.amzDate);
  const now = check.now ?? Date.now();
  if (signedAt === undefined) return 'no valid X-Amz-Date';
  if (signedAt - now > MAX_CLOCK_SKEW_MS) return 'signed in the future';
  if (now > signedAt + parts.expires * 1000) return 'expired';
  if (parts.signedHeaders.join(';') !== 'host') return 'only the host header may be signed';
  const key = check.credentials.get(parts.scope.accessKey);
  if (!key) return `unknown access key ${parts.scope.accessKey}`;
  const expected = computeSignature(
    key.secretAccessKey,
    { method: 'GET', path: '/', query, headers: { host }, payloadHash: crypto.createHash('sha256').update('').digest('hex') },
    parts,
  );
  return signaturesMatch(expected, parts.signature) ? null : 'signature does not match';
}
