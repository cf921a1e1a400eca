/**
 * `pnpm outpost <command>`: the operator's entry point.
 * Configuration errors print one clear line and exit 1; no stack traces.
 */
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, loadConfig, parsePort, type Config } from './config';
import { openConfiguredDatabase, startServer } from './main';
import { seedDemo, DEMO_CLINIC, type DemoCredentials } from './services/demo-seed';
import { decodeCommand, scoreCommand } from './cli/data-commands';
import { ADMIN_HELP, runAdminCommand } from './cli/admin-commands';
import { StartupError } from './startup-error';

const HELP = `Outpost — offline-first telemedicine server

Usage: pnpm outpost <command> [options]

Commands:
  serve [--port N] [--data DIR]   Serve the API and the web app (default port ${DEFAULT_PORT}, data ${DEFAULT_DATA_DIR})
  migrate [--data DIR]            Apply database migrations
  seed-demo [--data DIR]          Create the demo clinic, one demo user per role and an enrollment
                                  code (safe to run again; the passwords are printed the first time only)
  score                           NEWS2 + qSOFA for JSON on stdin (one object or JSON Lines)
  decode                          Decode device packets: JSON Lines on stdin, e.g.
                                  {"characteristic": "2a35", "hex": "…"} or {"protocol": "cms50", "hex": "…"}
  help                            Show this help

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
`;

type CommandHandler = (config: Config) => Promise<void>;

const commands: Record<string, CommandHandler> = {
  async serve(config) {
    const server = await startServer(config);
    process.stdout.write(`Outpost ${config.version} is running at ${server.url}\n`);
    // Tablets on the clinic's network reach this machine by its LAN address.
    for (const address of lanAddresses()) {
      process.stdout.write(`  on this network: http://${address}:${server.port}\n`);
    }
    process.stdout.write(
      'Open it in Chrome and enroll the tablet with an enrollment code. Ctrl-C stops.\n',
    );
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

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry!.address);
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
      if (
        error instanceof StartupError ||
        (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ) {
        process.stderr.write(
          `outpost: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        return error instanceof StartupError ? 1 : 2;
      }
      throw error;
    }
  }
  const handler = commands[command];
  if (!handler) {
    process.stderr.write(
      `Unknown command "${command}". Run \`pnpm outpost --help\` for the list.\n`,
    );
    return 2;
  }
  let values: { port?: string; data?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
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
