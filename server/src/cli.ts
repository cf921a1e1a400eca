/**
 * `pnpm outpost <command>`: the operator's entry point.
 * Configuration errors print one clear line and exit 1; no stack traces.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, loadConfig, parsePort, type Config } from './config';
import { openConfiguredDatabase, startServer } from './main';
import { seedDemo, DEMO_CLINIC, type DemoCredentials } from './services/demo-seed';
import { decodeCommand, scoreCommand } from './cli/data-commands';
import { ADMIN_HELP, runAdminCommand } from './cli/admin-commands';
import { TLS_HELP, lanAddresses, runTlsCommand } from './cli/tls-commands';
import { RENEWAL_WARNING_DAYS } from './tls/server-tls';
import { StartupError } from './startup-error';

const HELP = `Outpost — offline-first telemedicine server

Usage: pnpm outpost <command> [options]

Commands:
  serve [--port N] [--data DIR] [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
                                  Serve the API and the web app (default port ${DEFAULT_PORT}, data ${DEFAULT_DATA_DIR});
                                  https and http on the one port when DIR/tls/ (from \`tls init\`) or
                                  --tls-cert/--tls-key give a certificate
  migrate [--data DIR]            Apply database migrations
  seed-demo [--data DIR]          Create the demo clinic, one demo user per role and an enrollment
                                  code (safe to run again; the passwords are printed the first time only)
  score                           NEWS2 + qSOFA for JSON on stdin (one object or JSON Lines)
  decode                          Decode device packets: JSON Lines on stdin, e.g.
                                  {"characteristic": "2a35", "hex": "…"} or {"protocol": "cms50", "hex": "…"}
  help                            Show this help

${TLS_HELP}
${ADMIN_HELP}
Environment:
  DATABASE_URL       postgres://… to use a PostgreSQL server instead of the embedded database
  PORT, HOST         where to listen (flags win over PORT)
  OUTPOST_DATA_DIR   the embedded database's directory (--data wins)
  LOG_LEVEL          pino level: info (default), debug, warn, error
  OUTPOST_JWT_SECRET the access-token signing key, ≥ 32 characters (required when NODE_ENV=production;
                     otherwise generated once and kept in the database)
  OUTPOST_DEVICE_KEY_SECRET the secret tablets' device keys derive from, ≥ 32 characters
                     (otherwise generated once and kept in the database)
  OUTPOST_ALLOWED_ORIGINS  extra origins allowed to call the API (comma-separated)
  OUTPOST_TRUST_PROXY=1    take the client address from X-Forwarded-For (behind a reverse proxy)
  OUTPOST_TLS_CERT, OUTPOST_TLS_KEY  your own certificate and key (PEM) instead of DIR/tls/
                     (flags win); OUTPOST_TLS_CA a CA certificate to offer tablets at /ca.crt
`;

type CommandHandler = (config: Config) => Promise<void>;

const commands: Record<string, CommandHandler> = {
  async serve(config) {
    const server = await startServer(config);
    const out = (line: string) => process.stdout.write(line + '\n');
    out(`Outpost ${config.version} is running at ${server.url}`);
    // Tablets on the clinic's network reach this machine by its LAN address, over
    // https only: the browser gives WebCrypto (the tablet's encryption) only to secure pages.
    const addresses = lanAddresses();
    if (server.tls === undefined) {
      for (const address of addresses) out(`  on this network: http://${address}:${server.port}`);
      if (addresses.length > 0)
        out('  tablets on this network need https: run `pnpm --silent outpost tls init`');
    } else {
      for (const address of addresses) out(`  on this network: https://${address}:${server.port}`);
      const missing = addresses.filter((address) => !server.tls!.names.includes(address));
      if (missing.length > 0)
        out(
          `  the certificate does not name ${missing.join(', ')}: run \`pnpm --silent outpost tls init\` and restart`,
        );
      if (server.tls.caCertPem !== undefined && addresses[0] !== undefined)
        out(
          `  first time on a tablet: install the clinic certificate from http://${addresses[0]}:${server.port}/ca.crt`,
        );
      const daysLeft = Math.floor((server.tls.notAfter.getTime() - Date.now()) / 86_400_000);
      if (daysLeft < RENEWAL_WARNING_DAYS)
        out(
          daysLeft < 0
            ? `  THE CERTIFICATE ${server.tls.certPath} HAS EXPIRED: tablets refuse it. Renew it (\`pnpm --silent outpost tls init\`) and restart.`
            : `  the certificate expires in ${daysLeft} days: renew it with \`pnpm --silent outpost tls init\` and restart.`,
        );
    }
    out('Open it in Chrome and enroll the tablet with an enrollment code. Ctrl-C stops.');
    const stop = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  async migrate(config) {
    const database = await openConfiguredDatabase(config);
    try {
      await database.migrate(config.migrationsDir);
      process.stdout.write(`Migrations applied to ${database.description}.\n`);
    } finally {
      await database.close();
    }
  },
  async 'seed-demo'(config) {
    const database = await openConfiguredDatabase(config);
    try {
      await database.migrate(config.migrationsDir);
      const result = await seedDemo(database.db);
      process.stdout.write(
        result.created
          ? `Demo clinic created: ${DEMO_CLINIC.name}.\n`
          : `Demo clinic already present: nothing changed.\n`,
      );
      if (result.credentials !== undefined) printDemoCredentials(result.credentials);
    } finally {
      await database.close();
    }
  },
};

function printDemoCredentials(credentials: DemoCredentials): void {
  const lines = [
    '',
    'Demo accounts (fictional; shown this once only, stored hashed — `pnpm outpost user reset` makes new ones):',
    ...credentials.users.map(
      (user) => `  ${user.username.padEnd(22)} ${user.role.padEnd(15)} password: ${user.password}`,
    ),
    `Demo enrollment code for ${DEMO_CLINIC.name}: ${credentials.enrollmentCode} (single use, until ${credentials.enrollmentCodeExpiresAt})`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  // Data commands need no configuration or database.
  const io = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => Date.now(),
  };
  if (command === 'score') return scoreCommand(io);
  if (command === 'decode') return decodeCommand(io);
  if (command === 'tls') {
    if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
      process.stdout.write(TLS_HELP);
      return rest.length === 0 ? 2 : 0;
    }
    try {
      await runTlsCommand(
        rest,
        (dataDir) => loadConfig(process.env, dataDir === undefined ? {} : { dataDir }),
        { stdout: process.stdout, now: () => Date.now() },
      );
      return 0;
    } catch (error) {
      return commandFailure(error);
    }
  }
  if (command === 'user' || command === 'clinic' || command === 'device') {
    if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) {
      process.stdout.write(ADMIN_HELP);
      return rest.length === 0 ? 2 : 0;
    }
    const dataIndex = rest.indexOf('--data');
    try {
      const config = loadConfig(
        process.env,
        dataIndex >= 0 && rest[dataIndex + 1] !== undefined
          ? { dataDir: rest[dataIndex + 1]! }
          : {},
      );
      const database = await openConfiguredDatabase(config);
      try {
        await database.migrate(config.migrationsDir);
        await runAdminCommand(command, rest, database, {
          stdout: process.stdout,
          now: () => Date.now(),
        });
      } finally {
        await database.close();
      }
      return 0;
    } catch (error) {
      return commandFailure(error);
    }
  }
  const handler = commands[command];
  if (!handler) {
    process.stderr.write(
      `Unknown command "${command}". Run \`pnpm outpost --help\` for the list.\n`,
    );
    return 2;
  }
  let values: {
    port?: string;
    data?: string;
    'tls-cert'?: string;
    'tls-key'?: string;
    'tls-ca'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const config = loadConfig(process.env, {
      ...(values.port === undefined ? {} : { port: parsePort(values.port, '--port') }),
      ...(values.data === undefined ? {} : { dataDir: values.data }),
      ...(values['tls-cert'] === undefined ? {} : { tlsCertFile: values['tls-cert'] }),
      ...(values['tls-key'] === undefined ? {} : { tlsKeyFile: values['tls-key'] }),
      ...(values['tls-ca'] === undefined ? {} : { tlsCaFile: values['tls-ca'] }),
    });
    await handler(config);
    return 0;
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`outpost: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const exitCode = await runCli(process.argv.slice(2));
if (exitCode !== 0 || process.argv[2] !== 'serve') process.exitCode = exitCode;

/**
 * A command's expected failure in one line on stderr (exit 1 for a startup
 * problem, 2 for bad arguments); anything else is a bug and is rethrown.
 */
function commandFailure(error: unknown): number {
  if (
    error instanceof StartupError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    process.stderr.write(`outpost: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof StartupError ? 1 : 2;
  }
  throw error;
}
