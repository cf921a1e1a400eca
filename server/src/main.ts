/**
 * Composition root: config → database (+ migrations) → createApp(deps) → listen.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createAppWithServices, type AppDeps } from './app';
import type { Config } from './config';
import { openEmbedded, openPostgres, type Database } from './db/database';
import {
  createLiveServer,
  LIVE_PATH_PREFIX,
  type LiveServer,
  type RateLimit,
} from './live/live-server';
import { createLogger, safeError } from './logger';
import { documentFacts } from './repositories/document-facts';
import { createIdentityRepository } from './repositories/identity-repository';
import { createRecordAudit } from './repositories/record-audit';
import { createLiveTickets } from './security/live-tickets';
import { loadDeviceKeySecret, loadJwtSecret } from './services/auth-service';
import { createSyncRepository } from './repositories/sync-repository';
import { StartupError } from './startup-error';
import { createDocumentEvents } from './sync/events';
import { loadWebPushConfig } from './consults/push-notifier';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openEmbedded(config.dataDir, new Date().toISOString());
}

export interface NodeServer {
  readonly server: Server;
  readonly live: LiveServer;
}

/**
 * The HTTP app and the live channel on one Node server (not listening yet):
 * `/ws/<docId>` upgrades go to the live channel, every other request to the app.
 * Batch sync and the live channel share one repository and one event fan-out.
 */
export function createNodeServer(
  deps: Omit<AppDeps, 'events' | 'syncRepository' | 'liveTickets' | 'onRevoked'> & {
    readonly liveRateLimit?: RateLimit;
    /** How often open live connections are re-checked for revocation (default 15 s). */
    readonly revocationCheckMs?: number;
  },
): NodeServer {
  const events = createDocumentEvents((error) =>
    deps.logger.error({ err: safeError(error) }, 'document event listener failed'),
  );
  const repository = createSyncRepository(deps.database.db, { now: deps.now, events });
  const liveTickets = createLiveTickets(deps.now);
  const liveRef: { current?: LiveServer } = {};
  const { app, services } = createAppWithServices({
    ...deps,
    events,
    syncRepository: repository,
    liveTickets,
    onRevoked: () => {
      void live
        ?.checkRevocations()
        .catch((error: unknown) =>
          deps.logger.error({ err: safeError(error) }, 'revocation check failed'),
        );
    },
  });
  const live = createLiveServer({
    repository,
    events,
    logger: deps.logger,
    now: deps.now,
    tickets: liveTickets,
    principalOfSession: (sessionId) => services.auth.principalOfSession(sessionId),
    inactiveSessions: (sessionIds) =>
      services.identity.inactiveSessions(sessionIds, new Date(deps.now())),
    documentFacts: (docId, clinicId) => documentFacts(deps.database.db, docId, clinicId),
    audit: createRecordAudit(deps.database.db, services.audit),
    ...(deps.allowedOrigins === undefined ? {} : { allowedOrigins: deps.allowedOrigins }),
    ...(deps.revocationCheckMs === undefined ? {} : { revocationCheckMs: deps.revocationCheckMs }),
    ...(deps.liveRateLimit === undefined ? {} : { rateLimit: deps.liveRateLimit }),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  liveRef.current = live;
  const liveServer = live;
  server.on('upgrade', (request, socket, head: Buffer) => {
    if ((request.url ?? '').startsWith(LIVE_PATH_PREFIX))
      liveServer.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  return { server, live: liveServer };
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const webPush = loadWebPushConfig(process.env);
  const logger = createLogger(config.logLevel);
  const database = await openConfiguredDatabase(config);
  try {
    await database.migrate(config.migrationsDir);
  } catch (error) {
    await database.close();
    throw new StartupError(
      `Applying database migrations failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let jwtSecret: Buffer;
  let deviceKeySecret: Buffer;
  try {
    const identity = createIdentityRepository(database.db);
    jwtSecret = await loadJwtSecret(process.env, identity, logger);
    deviceKeySecret = await loadDeviceKeySecret(process.env, identity);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { server, live } = createNodeServer({
    database,
    version: config.version,
    webDir: config.webDir,
    logger,
    now: () => Date.now(),
    jwtSecret,
    deviceKeySecret,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    ...(webPush === undefined ? {} : { webPush: { config: webPush } }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await database.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(
        `Port ${config.port} is already in use. Stop the other program or choose another with --port.`,
      );
    }
    if (code === 'EACCES') {
      throw new StartupError(
        `Not allowed to listen on port ${config.port}. Choose a port above 1024 with --port.`,
      );
    }
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info({ port, db: database.description, version: config.version }, 'Outpost is serving');
  return {
    url,
    port,
    close: async () => {
      await live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await database.close();
    },
  };
}
