/**
 * Where to send a health worker whose page is not a secure context (a LAN
 * address over plain http): WebCrypto, which encrypts every record, exists only
 * on https and localhost. The server says in GET /api/version whether it also
 * answers https on this same host and port (server/src/http/same-port-tls.ts)
 * and whether it has a clinic certificate to install first.
 */

/** False on plain http away from localhost: the vault cannot encrypt here. */
export function isSecurePage(): boolean {
  return globalThis.isSecureContext !== false && globalThis.crypto?.subtle !== undefined;
}

export interface SecureAddress {
  /** This page's address over https (same host and port). */
  readonly url: string;
  /** The clinic certificate to install once, when the server has one. */
  readonly certificateUrl: string | undefined;
}

/** Undefined when the server offers no https (or cannot be asked): the generic advice then. */
export async function secureAddressOffered(location: URL): Promise<SecureAddress | undefined> {
  let body: unknown;
  try {
    const response = await fetch(new URL('/api/version', location), {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) return undefined;
    body = await response.json();
  } catch {
    return undefined;
  }
  return secureAddressFrom(body, location);
}

export function secureAddressFrom(body: unknown, location: URL): SecureAddress | undefined {
  const https = (body as { https?: { clinicCertificate?: unknown } } | null)?.https;
  if (typeof https !== 'object' || https === null) return undefined;
  // Same port: the server speaks both on it. `location.port` is '' for http's default 80.
  const url = `https://${location.hostname}:${location.port || '80'}/`;
  const certificate = https.clinicCertificate;
  return {
    url,
    certificateUrl:
      typeof certificate === 'string' && certificate.startsWith('/')
        ? new URL(certificate, location.origin).href
        : undefined,
  };
}
