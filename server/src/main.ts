/**
 * Composition root: config → database (+ migrations) → createApp(deps) → listen.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from './app';
import type { Config } from './config';
import { openEmbedded, openPostgres, type Database } from './db/database';
import { createLogger } from './logger';
import { StartupError } from './startup-error';

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openEmbedded(config.dataDir, new Date().toISOString());
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
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
  const app = createApp({
    database,
    version: config.version,
    webDir: config.webDir,
    logger,
    now: () => Date.now(),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await database.close();
    },
  };
}
