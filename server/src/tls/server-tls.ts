/**
 * Which certificate `serve` uses, read and checked once at start:
 * 1. `--tls-cert`/`--tls-key` (or OUTPOST_TLS_CERT/OUTPOST_TLS_KEY): the operator's
 *    own certificate; `--tls-ca` (OUTPOST_TLS_CA) optionally names a CA certificate
 *    to offer tablets at /ca.crt;
 * 2. otherwise the clinic CA's files in `<data>/tls/` (`outpost tls init`), whose
 *    ca.crt is offered at /ca.crt;
 * 3. otherwise none: plain http (localhost is a secure context, so the quick start
 *    works; tablets elsewhere need 1 or 2).
 * A missing, unreadable or mismatched file is a StartupError naming it: a server
 * that silently fell back to http would leave tablets unable to work.
 * Only public certificates are kept for /ca.crt, re-encoded from the parsed
 * certificate, so a key pasted into the same file can never be served.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config';
import { StartupError } from '../startup-error';
import { clinicTlsPaths, sanNames } from './clinic-ca';

export interface ServerTls {
  /** PEM: the server certificate (and any chain after it). */
  readonly cert: string;
  readonly key: string;
  /** The public CA certificate tablets install from /ca.crt, when there is one. */
  readonly caCertPem: string | undefined;
  readonly source: 'clinic-ca' | 'files';
  readonly certPath: string;
  readonly notAfter: Date;
  /** The certificate's DNS names and IP addresses. */
  readonly names: readonly string[];
}

/** Renewal is due this long before the server certificate expires (`serve` warns). */
export const RENEWAL_WARNING_DAYS = 30;

export function loadServerTls(config: Config): ServerTls | undefined {
  const { certFile, keyFile, caFile } = config.tls;
  if (certFile !== undefined && keyFile !== undefined) {
    return readServerTls(certFile, keyFile, caFile, 'files');
  }
  const paths = clinicTlsPaths(config.dataDir);
  if (!existsSync(paths.serverCert) && !existsSync(paths.serverKey)) return undefined;
  return readServerTls(
    paths.serverCert,
    paths.serverKey,
    caFile ?? (existsSync(paths.caCert) ? paths.caCert : undefined),
    'clinic-ca',
  );
}

function readServerTls(
  certPath: string,
  keyPath: string,
  caPath: string | undefined,
  source: ServerTls['source'],
): ServerTls {
  const cert = readText(certPath, 'certificate');
  const key = readText(keyPath, 'private key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new StartupError(`${certPath} is not a PEM certificate.`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new StartupError(`${keyPath} is not a PEM private key.`);
  }
  if (!matches) {
    throw new StartupError(
      `${keyPath} is not the key of ${certPath}. ` +
        (source === 'clinic-ca'
          ? 'Run `outpost tls init` to issue a new server certificate.'
          : 'Give the certificate and its own key.'),
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new StartupError(
      `${certPath} cannot be used for https (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  return {
    cert,
    key,
    caCertPem: caPath === undefined ? undefined : publicCertificatePem(caPath),
    source,
    certPath,
    notAfter: new Date(leaf.validTo),
    names: sanNames(leaf),
  };
}

/** The CA certificate as PEM re-encoded from its parsed form: never anything else from the file. */
function publicCertificatePem(path: string): string {
  const text = readText(path, 'CA certificate');
  try {
    const parsed = new X509Certificate(text);
    return parsed.toString();
  } catch {
    throw new StartupError(`${path} is not a PEM certificate.`);
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new StartupError(
      code === 'ENOENT'
        ? `The TLS ${what} ${path} does not exist.`
        : `The TLS ${what} ${path} cannot be read (${code ?? String(error)}).`,
    );
  }
}
