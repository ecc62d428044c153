import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import type forge from 'node-forge';

let forgeModule: typeof forge | undefined;
/** node-forge is loaded when TLS material is first made or read, not with the module. */
const nodeForge = (): typeof forge => (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof forge);

export interface TlsMaterial {
  caPath: string;
  caPem: string;
  key: string;
  cert: string;
}

const CA_FILE = 'ca.pem';
const CA_KEY_FILE = 'ca-key.pem';
const SERVER_FILE = 'server.pem';
const SERVER_KEY_FILE = 'server-key.pem';
const SERVER_NAMES_FILE = 'server-names.json';

/** RSA keys generated ahead of need on libuv's thread pool (see warmTlsKeys). */
const spareKeys: string[] = [];

// Native RSA generation is ~100x faster than forge's pure-JS one; forge only builds the X.509.
function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const pem = spareKeys.pop() ?? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const spki = crypto.createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  return { publicKey: nodeForge().pki.publicKeyFromPem(spki) as forge.pki.rsa.PublicKey, pem };
}

/**
 * cert.sign with node's native RSA instead of forge's JavaScript one: two certificates signed by forge held
 * the event loop every node shares for 60-150 ms CPU in one turn after a start in a new data directory.
 * forge still lays out the certificate; only the signature (RSASSA-PKCS1-v1_5 over SHA-256, as forge's
 * key.sign makes it) comes from OpenSSL.
 */
function signNatively(cert: forge.pki.Certificate, signerPem: string): void {
  const signer = {
    // forge sets cert.tbsCertificate just before it asks the key for the signature.
    sign: () => crypto.sign('sha256', Buffer.from(nodeForge().asn1.toDer(cert.tbsCertificate).getBytes(), 'binary'), signerPem).toString('binary'),
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, nodeForge().md.sha256.create());
}

/** A CA as the server certificate's signing needs it. */
interface Ca {
  cert: forge.pki.Certificate;
  keyPem: string;
}

function serial(): string {
  // Positive, as X.509 requires: clear the top bit.
  const bytes = crypto.randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function createCa(dir: string): Ca {
  const keys = rsaKeyPair();
  const cert = nodeForge().pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const subject = [
    { name: 'commonName', value: 'elasticache-local CA' },
    { name: 'organizationName', value: 'elasticache-local' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNatively(cert, keys.pem);
  writeAtomically(path.join(dir, CA_KEY_FILE), keys.pem);
  writeAtomically(path.join(dir, CA_FILE), nodeForge().pki.certificateToPem(cert));
  return { cert, keyPem: keys.pem };
}

function createServerCert(dir: string, ca: Ca, names: string[]): void {
  const keys = rsaKeyPair();
  const cert = nodeForge().pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 825 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: names[0]! }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  signNatively(cert, ca.keyPem);
  writeAtomically(path.join(dir, SERVER_KEY_FILE), keys.pem);
  writeAtomically(path.join(dir, SERVER_FILE), nodeForge().pki.certificateToPem(cert));
  writeAtomically(path.join(dir, SERVER_NAMES_FILE), JSON.stringify(names));
}

/** Where the CA certificate of a data directory is (made on first use). */
export function tlsCaPath(dataDir: string): string {
  return path.join(dataDir, 'tls', CA_FILE);
}

/**
 * Generates, off the event loop, the RSA keys a new data directory's CA and server certificate will
 * need, so building them (ensureTlsMaterial) later costs milliseconds instead of stalling the start.
 */
export async function warmTlsKeys(dataDir: string): Promise<void> {
  const dir = path.join(dataDir, 'tls');
  const missing = [CA_KEY_FILE, SERVER_KEY_FILE].filter((f) => !fs.existsSync(path.join(dir, f))).length;
  for (let i = spareKeys.length; i < missing; i++) {
    const pem = await new Promise<string>((resolve, reject) =>
      crypto.generateKeyPair('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }, (err, _pub, priv) => (err ? reject(err) : resolve(priv))),
    );
    spareKeys.push(pem);
  }
}

/**
 * The CA is made once per data directory, so a client that trusted it keeps trusting the nodes across
 * restarts; the server certificate is re-issued only when the advertised host names change.
 */
export function ensureTlsMaterial(dataDir: string, hostNames: string[]): TlsMaterial {
  const dir = path.join(dataDir, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const caPath = path.join(dir, CA_FILE);
  let ca: Ca;
  if (fs.existsSync(caPath) && fs.existsSync(path.join(dir, CA_KEY_FILE))) {
    ca = {
      cert: nodeForge().pki.certificateFromPem(fs.readFileSync(caPath, 'utf8')),
      keyPem: fs.readFileSync(path.join(dir, CA_KEY_FILE), 'utf8'),
    };
  } else {
    ca = createCa(dir);
  }
  const names = [...new Set([...hostNames, 'localhost', '127.0.0.1'])];
  const namesFile = path.join(dir, SERVER_NAMES_FILE);
  const current = fs.existsSync(namesFile) ? (JSON.parse(fs.readFileSync(namesFile, 'utf8')) as string[]) : [];
  if (!fs.existsSync(path.join(dir, SERVER_FILE)) || current.join(',') !== names.join(',')) {
    createServerCert(dir, ca, names);
  }
  return {
    caPath,
    caPem: fs.readFileSync(caPath, 'utf8'),
    key: fs.readFileSync(path.join(dir, SERVER_KEY_FILE), 'utf8'),
    cert: fs.readFileSync(path.join(dir, SERVER_FILE), 'utf8'),
  };
}
