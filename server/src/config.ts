/**
 * Configuration from the environment and command-line flags. Secrets come only
 * from the environment. Bad configuration is a StartupError with one clear line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from './startup-error';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A real PostgreSQL server; when absent the embedded PGlite under dataDir is used. */
  readonly databaseUrl: string | undefined;
  /** The built PWA (web/build). */
  readonly webDir: string;
  readonly migrationsDir: string;
  readonly version: string;
  readonly logLevel: string;
  /** OUTPOST_ALLOWED_ORIGINS: comma-separated extra origins for the API (e.g. a dev server). */
  readonly allowedOrigins: readonly string[];
  /** OUTPOST_TRUST_PROXY=1: take the client address from X-Forwarded-For. */
  readonly trustProxy: boolean;
  /**
   * The operator's own certificate (--tls-cert/--tls-key, OUTPOST_TLS_CERT/OUTPOST_TLS_KEY;
   * both or neither) and the CA certificate offered at /ca.crt (--tls-ca, OUTPOST_TLS_CA).
   * Without them `serve` uses `<dataDir>/tls/` when `outpost tls init` made it (tls/server-tls.ts).
   */
  readonly tls: {
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
    readonly caFile: string | undefined;
  };
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_DATA_DIR = './data';

/** The repository root: the nearest ancestor holding pnpm-workspace.yaml. */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new StartupError(
        'Cannot find the Outpost installation (no pnpm-workspace.yaml above the server).',
      );
    }
    dir = parent;
  }
}

export function parsePort(raw: string, source: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StartupError(`${source} must be a port number from 0 to 65535, got "${raw}".`);
  }
  return port;
}

export interface ConfigOverrides {
  port?: number;
  dataDir?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsCaFile?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Config {
  const root = findRepoRoot();
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new StartupError('DATABASE_URL must start with postgres:// or postgresql://.');
  }
  return {
    port: overrides.port ?? (env.PORT ? parsePort(env.PORT, 'PORT') : DEFAULT_PORT),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(overrides.dataDir ?? env.OUTPOST_DATA_DIR ?? DEFAULT_DATA_DIR),
    databaseUrl,
    webDir: resolve(env.OUTPOST_WEB_DIR ?? join(root, 'web', 'build')),
    migrationsDir: join(root, 'drizzle'),
    version: env.OUTPOST_VERSION ?? readVersion(root),
    logLevel: env.LOG_LEVEL ?? 'info',
    allowedOrigins: (env.OUTPOST_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
    trustProxy: env.OUTPOST_TRUST_PROXY === '1',
    tls: loadTlsFiles(env, overrides),
  };
}

function loadTlsFiles(env: NodeJS.ProcessEnv, overrides: ConfigOverrides): Config['tls'] {
  const pick = (flag: string | undefined, variable: string | undefined) => {
    const value = (flag ?? variable)?.trim();
    return value ? resolve(value) : undefined;
  };
  const certFile = pick(overrides.tlsCertFile, env.OUTPOST_TLS_CERT);
  const keyFile = pick(overrides.tlsKeyFile, env.OUTPOST_TLS_KEY);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new StartupError(
      certFile === undefined
        ? '--tls-key (OUTPOST_TLS_KEY) needs --tls-cert (OUTPOST_TLS_CERT): give both or neither.'
        : '--tls-cert (OUTPOST_TLS_CERT) needs --tls-key (OUTPOST_TLS_KEY): give both or neither.',
    );
  }
  return { certFile, keyFile, caFile: pick(overrides.tlsCaFile, env.OUTPOST_TLS_CA) };
}

function readVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
