// memcached's TLS settings (-Z and the ssl_* -o options) and its certificate loading, with the error
// lines memcached prints at start-up and answers to `refresh_certs`. One secure context serves every
// connection until the next refresh: keys are parsed once, never per handshake.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** OpenSSL's verify flags, which `stats settings` prints as ssl_verify_mode. */
export const SSL_VERIFY_PEER = 1;
export const SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2;
export const SSL_VERIFY_CLIENT_ONCE = 4;
/** OpenSSL's SSL_FILETYPE_PEM and SSL_FILETYPE_ASN1 (DER), the values ssl_keyformat takes. */
export const SSL_FILETYPE_PEM = 1;
export const SSL_FILETYPE_ASN1 = 2;
/** -o ssl_wbuf_size's default: 16 KiB. */
export const SSL_WBUF_SIZE = 16 * 1024;

/** ssl_min_version's 0-3 as `stats settings` names them and as Node names them. */
export const SSL_VERSIONS = [
  { text: 'tlsv1.0', node: 'TLSv1' },
  { text: 'tlsv1.1', node: 'TLSv1.1' },
  { text: 'tlsv1.2', node: 'TLSv1.2' },
  { text: 'tlsv1.3', node: 'TLSv1.3' },
] as const;

/** memcached's TLS settings as given on its command line (shown by `stats settings` with or without -Z). */
export interface SslSettings {
  /** -Z */
  enabled: boolean;
  chainCert: string | null;
  key: string | null;
  /** OpenSSL flags: 0, PEER, PEER|FAIL_IF_NO_PEER_CERT, and that |CLIENT_ONCE for ssl_verify_mode 0-3. */
  verifyMode: number;
  keyFormat: number;
  ciphers: string | null;
  caCert: string | null;
  /** Bytes. */
  wbufSize: number;
  sessionCache: boolean;
  kernelTls: boolean;
  /** Index into SSL_VERSIONS. */
  minVersion: number;
}

export function defaultSslSettings(): SslSettings {
  return {
    enabled: false,
    chainCert: null,
    key: null,
    verifyMode: 0,
    keyFormat: SSL_FILETYPE_PEM,
    ciphers: null,
    caCert: null,
    wbufSize: SSL_WBUF_SIZE,
    sessionCache: false,
    kernelTls: false,
    minVersion: 2,
  };
}

/** Certificate material handed over directly (API nodes) instead of read from the files of SslSettings. */
export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
}

/**
 * A failed load, worded as memcached's load_server_certificates words it (OpenSSL's error text after the
 * path). Those lines end in CRLF, being replies to refresh_certs too; the start-up-only cipher check's in LF.
 */
export class CertificateError extends Error {
  constructor(
    message: string,
    readonly lineEnd = '\r\n',
  ) {
    super(message);
  }
}

/** The OpenSSL 3 texts memcached quotes for a file it could not open. */
function systemError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'error:80000002:system library::No such file or directory';
    case 'EACCES':
      return 'error:8000000D:system library::Permission denied';
    case 'EISDIR':
      return 'error:80000015:system library::Is a directory';
    default:
      return `error:80000000:system library::${err.message}`;
  }
}

/** readFileSync with memcached's words for a path that is missing (printf of NULL is "(null)", and fopen(NULL) EFAULT). */
function readPath(path: string | null): Buffer {
  if (path === null) throw Object.assign(new Error('Bad address'), { code: 'EFAULT' });
  return readFileSync(path);
}

function systemText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EFAULT') return 'error:8000000E:system library::Bad address';
  return systemError(e);
}

/** Node's OpenSSL error, "error:0480006C:PEM routines::no start line", as OpenSSL 3 prints it. */
function opensslText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith('error:') ? message : `error:00000000:${message}`;
}

const PEM_CERTIFICATE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/;

/** The private key as PEM, whatever ssl_keyformat says the file holds. */
function privateKeyPem(file: Buffer, format: number): string | Buffer {
  if (format === SSL_FILETYPE_PEM) return file;
  if (format !== SSL_FILETYPE_ASN1) throw new CertificateError('error:0A00007C:SSL routines::bad ssl filetype');
  try {
    return createPrivateKey({ key: file, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' });
  } catch {
    try {
      return createPrivateKey({ key: file, format: 'der', type: 'pkcs1' }).export({ format: 'pem', type: 'pkcs8' });
    } catch {
      throw new CertificateError('error:1E08010C:DECODER routines::unsupported');
    }
  }
}

/**
 * Builds the secure context for -Z, or throws CertificateError with the line memcached prints: the
 * chain first, then the key, their match, then the CA file (each step only once the one before worked).
 */
export function loadServerCertificates(ssl: SslSettings, material?: TlsMaterial): tls.SecureContext {
  let cert: string | Buffer;
  let key: string | Buffer;
  if (material !== undefined) {
    ({ cert, key } = material);
  } else {
    try {
      cert = readPath(ssl.chainCert);
    } catch (err) {
      throw new CertificateError(`Error loading the certificate chain: ${ssl.chainCert ?? '(null)'} : ${systemText(err)}`);
    }
    if (!PEM_CERTIFICATE.test(cert.toString('latin1'))) {
      throw new CertificateError(`Error loading the certificate chain: ${ssl.chainCert} : error:0480006C:PEM routines::no start line`);
    }
    let keyFile: Buffer;
    try {
      keyFile = readPath(ssl.key);
    } catch (err) {
      throw new CertificateError(`Error loading the key: ${ssl.key ?? '(null)'} : ${systemText(err)}`);
    }
    try {
      key = privateKeyPem(keyFile, ssl.keyFormat);
    } catch (err) {
      throw new CertificateError(`Error loading the key: ${ssl.key} : ${err instanceof CertificateError ? err.message : opensslText(err)}`);
    }
  }
  // memcached loads the CA file after the chain and key: its failure is reported only when they loaded.
  let ca: Buffer | undefined;
  let caError: string | undefined;
  if (ssl.caCert !== null) {
    try {
      ca = readFileSync(ssl.caCert);
    } catch (err) {
      caError = `Error loading the CA certificate: ${ssl.caCert} : ${systemText(err)}`;
    }
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext({
      cert,
      key,
      minVersion: SSL_VERSIONS[ssl.minVersion]!.node,
      // memcached sets the TLS 1.2 cipher list only; TLS 1.3 suites stay OpenSSL's defaults.
      ...(ssl.ciphers !== null ? { ciphers: ssl.ciphers } : {}),
      // Client certificates are checked against this file alone, which also names the CAs a client may use.
      ...(ca !== undefined ? { ca } : {}),
    });
  } catch (err) {
    const text = opensslText(err);
    if (caError !== undefined && !/key|cert/i.test(text)) throw new CertificateError(caError);
    if (/no cipher match/i.test(text)) throw new CertificateError(`Error setting the provided cipher(s): ${ssl.ciphers}`, '\n');
    // OpenSSL checks the key against the chain's leaf as it loads the key.
    if (/key values mismatch/i.test(text)) throw new CertificateError(`Error loading the key: ${ssl.key ?? '(null)'} : ${text}`);
    if (/PEM|ASN1|DECODER/i.test(text) && material === undefined) {
      throw new CertificateError(`Error loading the key: ${ssl.key ?? '(null)'} : ${text}`);
    }
    throw new CertificateError(`Error validating the certificate: ${text}`);
  }
  if (caError !== undefined) throw new CertificateError(caError);
  if (ca !== undefined && !/-----BEGIN (?:TRUSTED )?(?:CERTIFICATE|X509 CRL)-----/.test(ca.toString('latin1'))) {
    throw new CertificateError(`Error loading the CA certificate: ${ssl.caCert} : error:05800088:x509 certificate routines::no certificate or crl found`);
  }
  return context;
}
