/**
 * `pnpm outpost tls init`: https for a clinic network with no domain name and no
 * internet, in one command (tls/clinic-ca.ts does the certificates). What it
 * prints is written for whoever looks after the clinic's server, not for a PKI
 * expert: where the files are, and the three steps that follow.
 */
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { claimDataDirectory } from '../db/database';
import { StartupError } from '../startup-error';
import { hostNameKind, initClinicTls } from '../tls/clinic-ca';

export const TLS_HELP = `HTTPS on the clinic network (tablets need it: the browser encrypts only on a secure page):
  tls init [--data DIR] [--host NAME-OR-IP]... [--new-ca]
                                  Creates the clinic certificate authority (once) and a server
                                  certificate for this machine's addresses, in DIR/tls/. Run it again
                                  to renew the server certificate or add addresses: tablets keep
                                  the CA they installed. --new-ca replaces the CA (tablets reinstall).
`;

/** This machine's IPv4 addresses on its networks (not loopback). */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry!.address);
}

export interface TlsIo {
  readonly stdout: NodeJS.WritableStream;
  readonly now: () => number;
}

/** `args` follow `tls`. Throws StartupError (bad flag values, an unusable CA). */
export async function runTlsCommand(
  args: string[],
  loadConfig: (dataDir: string | undefined) => Config,
  io: TlsIo,
): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'init')
    throw new StartupError(`Unknown tls command "${action ?? ''}".\n${TLS_HELP}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      data: { type: 'string' },
      host: { type: 'string', multiple: true },
      'new-ca': { type: 'boolean' },
    },
    strict: true,
  });
  const hosts = values.host ?? [];
  for (const host of hosts) {
    if (hostNameKind(host) === undefined)
      throw new StartupError(
        `--host "${host}" is not a host name (like outpost.lan) or an IP address (like 192.168.1.10).`,
      );
  }
  const config = loadConfig(values.data);
  const now = new Date(io.now());
  const dataDir = claimDataDirectory(config.dataDir, now.toISOString());
  const addresses = lanAddresses();
  const result = await initClinicTls(dataDir, {
    now,
    hostname: osHostname(),
    lanAddresses: addresses,
    extraHosts: hosts,
    newCa: values['new-ca'] === true,
  });

  const day = (date: Date) => date.toISOString().slice(0, 10);
  const port = config.port === 0 ? 8787 : config.port;
  const where = addresses[0] ?? hosts[0] ?? '<this server>';
  const lines = [
    result.caCreated
      ? `Clinic certificate authority created: ${result.paths.caCert} (valid until ${day(result.caNotAfter)})`
      : `Clinic certificate authority kept: ${result.paths.caCert} (tablets that installed it need nothing new)`,
    `Server certificate: ${result.paths.serverCert} (valid until ${day(result.serverNotAfter)}) for`,
    `  ${[...result.names.ips, ...result.names.dns].join(', ')}`,
    ...(result.added.length > 0 && !result.caCreated
      ? [`  new in this certificate: ${result.added.join(', ')}`]
      : []),
    `Private keys ${result.paths.caKey} and ${result.paths.serverKey} are readable by this user only.`,
    'Keep them on this machine (and in its backups); never copy them to a tablet.',
    '',
    'Next:',
    `  1. (Re)start the server: pnpm --silent outpost serve — it finds these files and serves https.`,
    ...(result.caCreated
      ? [
          `  2. On each tablet, once: open http://${where}:${port}/ca.crt in Chrome, then`,
          '     Settings → Security → Encryption & credentials → Install a certificate → CA certificate,',
          '     and choose the downloaded outpost-clinic-ca.crt.',
          `  3. Open https://${where}:${port} on the tablet.`,
        ]
      : [`  2. Tablets open https://${where}:${port} as before.`]),
    `Renew before ${day(result.serverNotAfter)} by running \`pnpm --silent outpost tls init\` again.`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
}
