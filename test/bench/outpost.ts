/**
 * The real Outpost path for the sync benchmark: the server composition of
 * `outpost serve` (`createNodeServer`: `createApp` + live channel) on an
 * in-memory PGlite, listening on 127.0.0.1 (port 0) behind the counting link;
 * tablets are the real memory store (`createMemoryStore`) driven by the real
 * sync engine (`createSyncClient`) over the real HTTP transport
 * (`createHttpTransport`: gzip request bodies; Node's fetch accepts and inflates
 * gzip responses).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import type { ClinicId, UserId } from '@outpost/shared/ids';
import { ok } from '@outpost/shared/result';
import type { WorkloadChange, WorkloadRecord } from '@outpost/shared/model/workload';
import { decodeSyncResponse } from '@outpost/shared/sync';
import { createMemoryStore } from '../../web/src/lib/db/memory-store';
import type { LocalStore } from '../../web/src/lib/db/local-store';
import { createSyncClient, type SyncReport } from '../../web/src/lib/sync/engine';
import { createHttpTransport } from '../../web/src/lib/sync/transport';
import { openInMemory, type Database } from '../../server/src/db/database';
import { clinics, districts } from '../../server/src/db/schema';
import { createLogger } from '../../server/src/logger';
import { createNodeServer, type NodeServer } from '../../server/src/main';
import { TEST_SCRYPT } from '../../server/src/auth/passwords';
import { httpRequester, identityFixture } from '../../server/test/support/identity';
import { authorisedFetch, signInTablet, type TabletAuth } from '../integration/harness';
import { startCountingLink, type CountingLink } from './link';
import { kindOf } from './records';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const DISTRICT_ID = '01930000-0000-7000-8000-0000000be4c1';

const systemClock = { now: () => Date.now() };

export interface OutpostServer {
  readonly link: CountingLink;
  /** A new enrolled device with a health worker of the clinic signed in (the server's own API). */
  signIn(): Promise<TabletAuth>;
  /** One record per response received over the link: wire bytes and decoded bytes. */
  readonly responses: ResponseRecord[];
  close(): Promise<void>;
}

export interface ResponseRecord {
  /** Response bytes on the wire (status line, headers, gzip body). */
  readonly wireBytes: number;
  /** The decoded sync response (what MAX_PAGE_BYTES bounds, plus framing). */
  readonly decodedBytes: number;
  /** Documents and updates carried. */
  readonly documents: number;
  readonly updates: number;
}

export async function startOutpostServer(clinicId: ClinicId): Promise<OutpostServer> {
  const database: Database = await openInMemory();
  await database.migrate(join(repoRoot, 'drizzle'));
  await database.db
    .insert(districts)
    .values({ id: DISTRICT_ID, name: 'Bench district (fictional)' })
    .onConflictDoNothing();
  await database.db
    .insert(clinics)
    .values({ id: clinicId, districtId: DISTRICT_ID, name: 'Bench clinic (fictional)' });
  const webDir = mkdtempSync(join(tmpdir(), 'outpost-bench-web-'));
  const node: NodeServer = createNodeServer({
    database,
    version: 'bench',
    webDir,
    logger: createLogger('silent'),
    now: () => Date.now(),
    scrypt: TEST_SCRYPT,
  });
  await new Promise<void>((resolve, reject) => {
    node.server.once('error', reject);
    node.server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (node.server.address() as AddressInfo).port;
  const link = await startCountingLink(port);
  // Enrollment and sign-in go straight to the server (not counted on the link).
  const ids = identityFixture(httpRequester(`http://127.0.0.1:${port}`), database.db);
  const worker = await ids.createUser(clinicId);
  return {
    link,
    signIn: () => signInTablet(ids, clinicId, worker),
    responses: [],
    close: async () => {
      await link.close();
      await node.live.close();
      node.server.closeAllConnections();
      await new Promise<void>((resolve) => node.server.close(() => resolve()));
      await database.close();
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

export interface OutpostTablet {
  readonly store: LocalStore;
  /** One `syncOnce()`: rounds until nothing is left. */
  sync(): Promise<SyncReport>;
}

export async function createOutpostTablet(
  server: OutpostServer,
  clinicId: ClinicId,
  identity: { clientId?: number } = {},
): Promise<OutpostTablet> {
  const auth = await server.signIn();
  const store = await createMemoryStore({
    clinicId,
    userId: auth.userId as UserId,
    clock: systemClock,
    identity: { ...identity, deviceId: auth.deviceId },
  });
  // Counts the decoded size of each response (the link counts the wire bytes).
  const recordingFetch: typeof fetch = async (input, init) => {
    const before = server.link.snapshot();
    const response = await server.link.fetch(input, init);
    const body = new Uint8Array(await response.arrayBuffer());
    await new Promise((resolve) => setImmediate(resolve));
    const decoded = decodeSyncResponse(body);
    server.responses.push({
      wireBytes: server.link.counters.down - before.down,
      decodedBytes: body.length,
      documents: decoded.ok ? decoded.value.documents.length : 0,
      updates: decoded.ok ? decoded.value.updates.length : 0,
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: { 'content-type': response.headers.get('content-type') ?? '' },
    });
  };
  const transport = createHttpTransport({
    url: `${server.link.url}/api/sync`,
    fetch: authorisedFetch(auth, recordingFetch),
    gzip: true,
  });
  const client = createSyncClient({ store, transport, clock: systemClock, timeoutMs: 600_000 });
  return {
    store,
    async sync() {
      const result = await client.syncOnce();
      if (!result.ok) throw new Error(`sync failed: ${JSON.stringify(result.error)}`);
      if (result.value.incomplete) throw new Error('sync stopped before it was complete');
      if (result.value.rejected > 0)
        throw new Error(`${result.value.rejected} updates were rejected by the server`);
      return result.value;
    },
  };
}

/**
 * Saves a whole record on a tablet as one local change (the seeding tablet: the
 * record was authored there under the same client id).
 */
export async function saveRecord(tablet: OutpostTablet, record: WorkloadRecord): Promise<void> {
  const id = record.docId.slice(record.docId.indexOf('/') + 1);
  const state = Y.encodeStateAsUpdate(record.doc);
  const saved = await tablet.store.createDocument(record.kind, (doc) => {
    withoutClientIdWarning(() => Y.applyUpdate(doc, state));
    return ok(id);
  });
  if (!saved.ok) throw new Error(`could not save ${record.docId}: ${JSON.stringify(saved.error)}`);
}

/**
 * Saves one workload change on the tablet as the domain operation it was: a
 * durable local change with its own outbox entry (a creation for a new record).
 */
export async function saveChange(
  tablet: OutpostTablet,
  change: WorkloadChange,
  known: Set<string>,
): Promise<void> {
  const apply = (doc: Y.Doc) => {
    // The change was authored under this tablet's client id, which Yjs takes for
    // another client using it and warns about; the content saved is the same.
    withoutClientIdWarning(() => Y.applyUpdate(doc, change.update));
    return ok(change.docId.slice(change.docId.indexOf('/') + 1));
  };
  const saved = known.has(change.docId)
    ? await tablet.store.applyOp(change.docId, apply)
    : await tablet.store.createDocument(kindOf(change.docId), apply);
  if (!saved.ok) throw new Error(`could not save ${change.docId}: ${JSON.stringify(saved.error)}`);
  known.add(change.docId);
}

function withoutClientIdWarning(run: () => void): void {
  // Yjs prints it with lib0's logging (console.log with styling arguments).
  const log = console.log;
  console.log = (...args: unknown[]) => {
    if (args.some((arg) => typeof arg === 'string' && arg.includes('Changed the client-id')))
      return;
    log(...args);
  };
  try {
    run();
  } finally {
    console.log = log;
  }
}
