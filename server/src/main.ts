/**
 * Composition root: config → database (+ migrations) → createApp(deps) → listen.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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
import { acceptTlsOnSamePort } from './http/same-port-tls';
import { isLoopbackAddress } from './middleware/plain-http';
import { loadServerTls, type ServerTls } from './tls/server-tls';
import { createDocumentEvents } from './sync/events';
import { loadWebPushConfig } from './consults/push-notifier';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openEmbedded(config.dataDir, new Date().toISOString());
}

export interface NodeServer {
  /** The listening server: plain http, or with `tls` https and http on its one port. */
  readonly server: Server;
  readonly live: LiveServer;
}

/**
 * The HTTP app and the live channel on one Node server (not listening yet):
 * `/ws/<docId>` upgrades go to the live channel, every other request to the app.
 * Batch sync and the live channel share one repository and one event fan-out.
 * With `tls` the same port also speaks https (and wss): http/same-port-tls.ts.
 */
export function createNodeServer(
  deps: Omit<AppDeps, 'events' | 'syncRepository' | 'liveTickets' | 'onRevoked' | 'https'> & {
    readonly liveRateLimit?: RateLimit;
    /** How often open live connections are re-checked for revocation (default 15 s). */
    readonly revocationCheckMs?: number;
    /** Serve https (and wss) on the same port with this certificate. */
    readonly tls?: Pick<ServerTls, 'cert' | 'key' | 'caCertPem'>;
  },
): NodeServer {
  const events = createDocumentEvents((error) =>
    deps.logger.error({ err: safeError(error) }, 'document event listener failed'),
  );
  const repository = createSyncRepository(deps.database.db, { now: deps.now, events });
  const liveTickets = createLiveTickets(deps.now);
  const liveRef: { current?: LiveServer } = {};
  const { tls, ...appDeps } = deps;
  const { app, services } = createAppWithServices({
    ...appDeps,
    ...(tls === undefined ? {} : { https: { caCertPem: tls.caCertPem } }),
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
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(request.url ?? '').startsWith(LIVE_PATH_PREFIX)) socket.destroy();
    else if (tls !== undefined && !(request.socket as TLSSocket).encrypted && !isLoopback(request))
      // Plain ws from the network when wss is on offer: records travel only encrypted.
      refuseUpgrade(socket, 'https_required');
    else liveServer.handleUpgrade(request, socket, head);
  };
  server.on('upgrade', onUpgrade);
  if (tls !== undefined) {
    const secure = createAdaptorServer({
      fetch: app.fetch,
      createServer: createHttpsServer,
      serverOptions: { cert: tls.cert, key: tls.key },
    }) as HttpsServer;
    secure.on('upgrade', onUpgrade);
    acceptTlsOnSamePort(server, secure);
  }
  return { server, live: liveServer };
}

function isLoopback(request: IncomingMessage): boolean {
  return isLoopbackAddress(request.socket.remoteAddress);
}

function refuseUpgrade(socket: Duplex, code: string): void {
  const body = JSON.stringify({
    error: { code, message: 'On this network the live channel is served over wss:// only.' },
  });
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface RunningServer {
  /** `https://localhost:<port>` with TLS, else `http://localhost:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The certificate in use, when https is served. */
  readonly tls: ServerTls | undefined;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  // First: a bad certificate is a configuration error, found before the database is touched.
  const tls = loadServerTls(config);
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
    ...(tls === undefined ? {} : { tls }),
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
  const url = `${tls === undefined ? 'http' : 'https'}://localhost:${port}`;
  logger.info(
    { port, db: database.description, version: config.version, https: tls !== undefined },
    'Outpost is serving',
  );
  return {
    url,
    port,
    tls,
    close: async () => {
      await live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await database.close();
    },
  };
}
