import { Hono } from 'hono';
import { HttpError } from '../http/errors';

/**
 * `GET /ca.crt`: the clinic CA's public certificate, which each tablet installs
 * once so it trusts this server's https (docs/operations.md). Public on purpose,
 * and over plain http too: a tablet that does not trust the CA yet cannot fetch
 * it over https without a warning. The PEM was re-encoded from the parsed
 * certificate at start (tls/server-tls.ts), so it can hold no key.
 */
export function caCertificateRoutes(caCertPem: string | undefined) {
  return new Hono().get('/', (c) => {
    if (caCertPem === undefined)
      throw new HttpError(
        404,
        'no_clinic_certificate',
        'This server has no clinic certificate to install (the operator runs `outpost tls init`).',
      );
    return c.body(caCertPem, 200, {
      'content-type': 'application/x-x509-ca-cert',
      'content-disposition': 'attachment; filename="outpost-clinic-ca.crt"',
      'cache-control': 'no-cache',
    });
  });
}
