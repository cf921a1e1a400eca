/**
 * The PouchDB baseline (what the Community Health Toolkit does): one CouchDB
 * document per patient and consult holding the same JSON as the floor, every
 * domain operation saved as a new revision, and tablets replicating with
 * one-shot replication (pull, then push, default batch size) to a
 * PouchDB server (`express-pouchdb` in its `minimumForPouchDB` mode, which
 * gzips responses with the `compression` middleware) over the same counting
 * link. Everything runs on pure-JS in-memory adapters (memdown): no native
 * build. PouchDB does not compress request bodies.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCountingLink, type CountingLink } from './link';
import type { JsonObject } from './records';

interface PouchDocument extends JsonObject {
  _id: string;
}

interface PouchDatabase {
  get(id: string): Promise<PouchDocument & { _rev: string }>;
  put(doc: PouchDocument & { _rev?: string }): Promise<{ ok: boolean; id: string; rev: string }>;
  replicate: {
    from(remote: PouchDatabase, options?: object): Promise<unknown>;
    to(remote: PouchDatabase, options?: object): Promise<unknown>;
  };
  info(): Promise<{ doc_count: number }>;
  close(): Promise<void>;
}

interface PouchConstructor {
  new (name: string, options?: object): PouchDatabase;
  plugin(plugin: unknown): PouchConstructor;
  defaults(options: object): PouchConstructor;
}

type ExpressApp = ((request: unknown, response: unknown) => void) & {
  use(handler: unknown): void;
  listen(port: number, host: string, callback: () => void): Server;
};

const require = createRequire(import.meta.url);

let loaded: PouchConstructor | undefined;

/** PouchDB with the in-memory, HTTP, replication and map/reduce plugins (loaded once). */
function loadPouch(): PouchConstructor {
  const core = require('pouchdb-core') as PouchConstructor;
  return (loaded ??= core
    .plugin(require('pouchdb-adapter-memory'))
    .plugin(require('pouchdb-adapter-http'))
    .plugin(require('pouchdb-replication'))
    .plugin(require('pouchdb-mapreduce')));
}

export const POUCH_DB_NAME = 'clinic';

export interface PouchServer {
  readonly link: CountingLink;
  close(): Promise<void>;
}

export async function startPouchServer(): Promise<PouchServer> {
  const PouchDB = loadPouch();
  const ServerPouch = PouchDB.defaults({ adapter: 'memory' });
  const express = require('express') as () => ExpressApp;
  const expressPouchDB = require('express-pouchdb') as (
    pouch: PouchConstructor,
    options: object,
  ) => unknown;
  const logDir = mkdtempSync(join(tmpdir(), 'outpost-bench-pouch-'));
  const app = express();
  // minimumForPouchDB includes 'compression' (the `compression` middleware, gzip).
  app.use(
    expressPouchDB(ServerPouch, {
      mode: 'minimumForPouchDB',
      inMemoryConfig: true,
      logPath: join(logDir, 'log.txt'),
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const link = await startCountingLink((server.address() as AddressInfo).port);
  return {
    link,
    close: async () => {
      await link.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

export interface PouchTablet {
  /** Saves a record's JSON as a new revision (or the first). */
  save(id: string, json: JsonObject): Promise<void>;
  /**
   * One sync: pull (`local.replicate.from(remote)`), then push
   * (`local.replicate.to(remote)`), one-shot, default batch size (100). The push
   * is filtered to the documents this tablet saved since its last push, as an
   * app does that knows what it wrote. Both choices favour PouchDB: an
   * unfiltered push echoes every pulled document back through `_revs_diff`
   * (measured: 407 round trips instead of 112 for (a)), and stock
   * `local.sync(remote)`, both directions at once, does so in many small
   * batches (340 instead of 18 for (c)).
   * `createDatabase`: the first sync of the seeding tablet creates the server database.
   */
  sync(options?: { createDatabase?: boolean }): Promise<void>;
  /** Documents in the tablet's database. */
  docCount(): Promise<number>;
  close(): Promise<void>;
}

let tablets = 0;

export function createPouchTablet(server: PouchServer): PouchTablet {
  const PouchDB = loadPouch();
  const local = new PouchDB(`tablet-${++tablets}`, { adapter: 'memory' });
  const revs = new Map<string, string>();
  /** Saved here since the last push. */
  const dirty = new Set<string>();
  return {
    async save(id, json) {
      const previous = revs.get(id);
      const result = await local.put({
        ...json,
        _id: id,
        ...(previous !== undefined && { _rev: previous }),
      });
      revs.set(id, result.rev);
      dirty.add(id);
    },
    async sync(options = {}) {
      // A fresh remote handle per sync, as after an app start; skip_setup: no PUT /db.
      const remote = new PouchDB(`${server.link.url}/${POUCH_DB_NAME}`, {
        skip_setup: options.createDatabase !== true,
        fetch: server.link.fetch,
      });
      await local.replicate.from(remote);
      const pushing = new Set(dirty);
      await local.replicate.to(remote, {
        filter: (doc: { _id: string }) => pushing.has(doc._id),
      });
      for (const id of pushing) dirty.delete(id);
      // Later local saves continue from whatever the replication brought in.
      await remote.close();
    },
    async docCount() {
      return (await local.info()).doc_count;
    },
    async close() {
      await local.close();
    },
  };
}
