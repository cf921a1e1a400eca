/** A real server (HTTP + live channel) on port 0 over a test database, with cheap password hashing. */
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { TEST_SCRYPT } from '../../src/auth/passwords';
import { createNodeServer, type NodeServer } from '../../src/main';
import type { TestDatabase } from './databases';
import { httpRequester, identityFixture, type IdentityFixture } from './identity';

export interface RunningTestServer {
  readonly node: NodeServer;
  /** `127.0.0.1:port` */
  readonly host: string;
  readonly base: string;
  readonly ids: IdentityFixture;
  close(): Promise<void>;
}

export async function startTestServer(
  testDb: TestDatabase,
  options: {
    logger?: Logger;
    revocationCheckMs?: number;
    webDir?: string;
    now?: () => number;
  } = {},
): Promise<RunningTestServer> {
  const node = createNodeServer({
    database: testDb.database,
    version: 'test',
    webDir: options.webDir ?? '/nonexistent',
    logger: options.logger ?? pino({ level: 'silent' }),
    now: options.now ?? (() => Date.now()),
    scrypt: TEST_SCRYPT,
    ...(options.revocationCheckMs === undefined
      ? {}
      : { revocationCheckMs: options.revocationCheckMs }),
  });
  await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(node.server.address() as AddressInfo).port}`;
  const base = `http://${host}`;
  return {
    node,
    host,
    base,
    ids: identityFixture(httpRequester(base), testDb.database.db),
    async close() {
      await node.live.close();
      await new Promise<void>((resolve) => node.server.close(() => resolve()));
      node.server.closeAllConnections();
    },
  };
}
