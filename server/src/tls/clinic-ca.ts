/**
 * The clinic's own certificate authority (`outpost tls init`): a clinic with no
 * domain name and no internet still gets https on its LAN, which tablets need
 * because the browser gives WebCrypto only to secure pages.
 *
 * Contract:
 * - the CA (10 years) is created once; re-running keeps it, so a tablet installs
 *   it once in its life (`--new-ca` replaces it, and every tablet must install the
 *   new one);
 * - every run issues a fresh server certificate (≤ 825 days, the longest any
 *   browser accepts from a private CA) whose names are the previous certificate's
 *   plus this machine's current LAN IPv4 addresses, `localhost`, `127.0.0.1`, the
 *   hostname and every `--host`: an address once served is never dropped;
 * - private keys are written mode 0600 in a 0700 directory, each file replaced by
 *   a rename so a crash never leaves half a key; the CA key never leaves it.
 *
 * X.509 comes from @peculiar/x509 over Node's WebCrypto. It needs a Reflect
 * metadata polyfill, so both load only here, when certificates are made: the
 * server itself reads certificates with node:crypto (tls/server-tls.ts).
 */
import { X509Certificate as NodeX509, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { StartupError } from '../startup-error';

export const TLS_DIR = 'tls';
export const TLS_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
} as const;

export const CA_VALIDITY_DAYS = 3650;
/** Apple's limit for TLS server certificates (and the brief's); Chrome exempts private CAs from 398. */
export const SERVER_CERT_VALIDITY_DAYS = 825;
const DAY_MS = 24 * 60 * 60 * 1000;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface ClinicTlsPaths {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

export function clinicTlsPaths(dataDir: string): ClinicTlsPaths {
  const dir = join(dataDir, TLS_DIR);
  return {
    dir,
    caCert: join(dir, TLS_FILES.caCert),
    caKey: join(dir, TLS_FILES.caKey),
    serverCert: join(dir, TLS_FILES.serverCert),
    serverKey: join(dir, TLS_FILES.serverKey),
  };
}

/** The names a server certificate is for, split as a SAN extension needs them. */
export interface CertificateNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

export interface ClinicTlsOptions {
  readonly now: Date;
  /** This machine's hostname (os.hostname()). */
  readonly hostname: string;
  /** This machine's non-internal IPv4 addresses. */
  readonly lanAddresses: readonly string[];
  /** `--host`: more names or addresses tablets may use. */
  readonly extraHosts: readonly string[];
  /** Replace the CA (every tablet must install the new one). */
  readonly newCa?: boolean;
}

export interface ClinicTlsResult {
  readonly paths: ClinicTlsPaths;
  readonly caCreated: boolean;
  readonly caNotAfter: Date;
  readonly serverNotAfter: Date;
  readonly names: CertificateNames;
  /** Names the previous server certificate did not have (all of them on the first run). */
  readonly added: readonly string[];
}

const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A `--host` value as a SAN entry, or undefined when it is neither a host name nor an IP address. */
export function hostNameKind(raw: string): { kind: 'dns' | 'ip'; value: string } | undefined {
  const value = raw.trim().toLowerCase().replace(/\.$/, '');
  if (isIP(value) !== 0) return { kind: 'ip', value };
  return DNS_NAME.test(value) ? { kind: 'dns', value } : undefined;
}

/** Creates (or keeps) the clinic CA and issues a new server certificate. Throws StartupError. */
export async function initClinicTls(
  dataDir: string,
  options: ClinicTlsOptions,
): Promise<ClinicTlsResult> {
  const paths = clinicTlsPaths(dataDir);
  const wanted: string[] = [
    ...options.lanAddresses,
    'localhost',
    '127.0.0.1',
    options.hostname,
    ...options.extraHosts,
  ];
  const previous = options.newCa ? [] : previousServerNames(paths);
  const names = collectNames([...previous, ...wanted]);
  const previousSet = new Set(previous);
  const added = [...names.dns, ...names.ips].filter((name) => !previousSet.has(name));

  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);

  let ca: { cert: InstanceType<typeof x509.X509Certificate>; key: webcrypto.CryptoKey };
  let caCreated = false;
  if (!options.newCa && (existsSync(paths.caCert) || existsSync(paths.caKey))) {
    ca = await readCa(paths, x509);
  } else {
    ca = await createCa(options, x509);
    caCreated = true;
  }

  const serverKeys = await subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(options.now.getTime() - 60 * 60 * 1000); // an hour of clock skew on tablets
  const serverNotAfter = earliest(
    new Date(options.now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS),
    ca.cert.notAfter,
  );
  const serverCert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [options.hostname || 'outpost'] }, { O: ['Outpost clinic server'] }],
    issuer: ca.cert.subject,
    notBefore,
    notAfter: serverNotAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: serverKeys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [
          ...names.dns.map((value) => ({ type: 'dns' as const, value })),
          ...names.ips.map((value) => ({ type: 'ip' as const, value })),
        ],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });

  if (caCreated) {
    writeAtomically(paths.caKey, await privateKeyPem(ca.key), 0o600);
    writeAtomically(paths.caCert, ca.cert.toString('pem') + '\n', 0o644);
  }
  writeAtomically(paths.serverKey, await privateKeyPem(serverKeys.privateKey), 0o600);
  writeAtomically(paths.serverCert, serverCert.toString('pem') + '\n', 0o644);

  return {
    paths,
    caCreated,
    caNotAfter: ca.cert.notAfter,
    serverNotAfter,
    names,
    added,
  };
}

type X509Module = typeof X509;

async function loadX509(): Promise<X509Module> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // It signs with the global WebCrypto (`globalThis.crypto`, Node's webcrypto since Node 19),
  // the same implementation that made the keys here.
  return x509;
}

async function createCa(options: ClinicTlsOptions, x509: X509Module) {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const day = options.now.toISOString().slice(0, 10);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The name tablets show in their list of trusted certificates.
    name: [
      { CN: [`Outpost clinic CA ${options.hostname || 'server'} ${day}`] },
      { O: ['Outpost clinic'] },
    ],
    notBefore: new Date(options.now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(options.now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      // pathLength 0: it signs server certificates only, never another CA.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey };
}

async function readCa(paths: ClinicTlsPaths, x509: X509Module) {
  const missing = [paths.caCert, paths.caKey].filter((path) => !existsSync(path));
  if (missing.length > 0)
    throw new StartupError(
      `The clinic CA is incomplete (${missing.join(', ')} is missing). Restore it from a backup, ` +
        'or make a new CA with `outpost tls init --new-ca` (then every tablet must install the new certificate).',
    );
  let certPem: string;
  let keyDer: Buffer;
  try {
    certPem = readFileSync(paths.caCert, 'utf8');
    keyDer = createPrivateKey(readFileSync(paths.caKey)).export({ format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new StartupError(
      `The clinic CA in ${paths.dir} cannot be read (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const nodeCert = new NodeX509(certPem);
  if (!nodeCert.ca || !nodeCert.checkPrivateKey(createPrivateKey(readFileSync(paths.caKey))))
    throw new StartupError(
      `${paths.caCert} is not a CA certificate matching ${paths.caKey}. Restore both from a backup, ` +
        'or make a new CA with `outpost tls init --new-ca`.',
    );
  const key = await webcrypto.subtle.importKey('pkcs8', keyDer, KEY_ALGORITHM, false, ['sign']);
  return { cert: new x509.X509Certificate(certPem), key };
}

/** The names of the current server certificate, if there is a readable one. */
function previousServerNames(paths: ClinicTlsPaths): string[] {
  if (!existsSync(paths.serverCert)) return [];
  try {
    return sanNames(new NodeX509(readFileSync(paths.serverCert, 'utf8')));
  } catch {
    return []; // unreadable: replaced below with the current names
  }
}

/** `DNS:localhost, IP Address:127.0.0.1` → `['localhost', '127.0.0.1']`. */
export function sanNames(cert: NodeX509): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry.trim())?.[1])
    .filter((name): name is string => name !== undefined);
}

function collectNames(raw: readonly string[]): CertificateNames {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const entry of raw) {
    const name = hostNameKind(entry);
    if (name === undefined) continue; // a hostname that is not a DNS name (checked for --host before)
    (name.kind === 'ip' ? ips : dns).add(name.value);
  }
  return { dns: [...dns], ips: [...ips] };
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive, as RFC 5280 requires
  return bytes.toString('hex');
}

function earliest(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return ['-----BEGIN PRIVATE KEY-----', ...lines, '-----END PRIVATE KEY-----', ''].join('\n');
}

function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  rmSync(temporary, { force: true });
  writeFileSync(temporary, content, { mode, flag: 'wx' });
  chmodSync(temporary, mode); // the umask may have narrowed or an old file widened it
  renameSync(temporary, path);
}
