/**
 * Test support for the tablet store (not used by the app): one harness per
 * storage backend, so the contract suite and the sync tests run against both
 * IndexedDB (fake-indexeddb, records sealed with a test key) and memory, plus
 * fault injection and personas.
 */
import type { Dexie } from 'dexie';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import type * as Y from 'yjs';
import { createManualClock } from '@outpost/shared/deps';
import { createSeededIds, type ClinicId, type UserId } from '@outpost/shared/ids';
import { readMeta, type OpContext } from '@outpost/shared/model';
import {
  PatientBuilder,
  TEST_CLINIC_ID,
  TEST_START_MS,
  TEST_USER_ID,
  seededRandom,
  type PersonaName,
} from '@outpost/shared/model/fixtures';
import { err, ok, type Result } from '@outpost/shared/result';
import type { StorageBackend } from './backend';
import { RecordCipher } from '../security/crypto';
import { LocalStore } from './local-store';
import { MemoryBackend, quotaExceeded } from './memory-store';
import type { TableName } from './records';
import { openDexieBackend } from './store';

/** A fixed clinic secret for tests (never a real one): the same key on every run. */
export const TEST_CLINIC_SECRET = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

let testCipher: Promise<RecordCipher> | undefined;
/** The record cipher of `TEST_CLINIC_SECRET` (IndexedDB stores in tests are sealed like the app's). */
export function createTestCipher(): Promise<RecordCipher> {
  testCipher ??= RecordCipher.fromSecret(TEST_CLINIC_SECRET);
  return testCipher;
}

export const CLINIC_ID = TEST_CLINIC_ID;
export const USER_ID = TEST_USER_ID;

export interface StoreHarness {
  readonly clock: ReturnType<typeof createManualClock>;
  /** Opens the tablet's store (first time: creates its identity). */
  open(identity?: { deviceId?: string; clientId?: number }): Promise<LocalStore>;
  /** Closes the current store and opens the same data again (the app restarting). */
  reopen(): Promise<LocalStore>;
  /** Another store on the same data, the first one staying open (a second tab). */
  otherTab(): Promise<LocalStore>;
  /** Every later commit writing to `table` fails with `error` (default: quota exceeded). */
  failWritesTo(table: TableName | undefined, error?: () => Error): void;
}

export type BackendKind = 'indexeddb' | 'memory';
export const BACKENDS: readonly BackendKind[] = ['indexeddb', 'memory'];

let databaseCounter = 0;

export function createHarness(
  kind: BackendKind,
  options: { seed?: number; clinicId?: ClinicId } = {},
): StoreHarness {
  const seed = options.seed ?? 1;
  const clock = createManualClock(TEST_START_MS);
  const ids = createSeededIds(() => clock.now(), seededRandom(seed));
  const random = { next: seededRandom(seed + 1000) };
  const fault: { table: TableName | undefined; error: () => Error } = {
    table: undefined,
    error: quotaExceeded,
  };
  // IndexedDB databases are per clinic: give every harness its own clinic id.
  databaseCounter++;
  const clinicId =
    options.clinicId ??
    (`0190a000-0000-7000-8000-${databaseCounter.toString(16).padStart(12, '0')}` as ClinicId);
  const databaseName = `outpost-test-${databaseCounter}`;
  let memory: MemoryBackend | undefined;
  let store: LocalStore | undefined;
  let identity: { deviceId?: string; clientId?: number } | undefined;

  const backend = async (secondTab = false): Promise<StorageBackend> => {
    if (kind === 'memory') {
      if (secondTab && memory !== undefined) return memory.reopen();
      memory = memory === undefined ? new MemoryBackend() : memory.reopen();
      memory.onWrite = (table) => {
        if (fault.table === table) throw fault.error();
      };
      return memory;
    }
    return openDexieBackend(clinicId, {
      name: databaseName,
      indexedDB,
      IDBKeyRange,
      addons: [(db: Dexie) => injectFaults(db, fault)],
      cipher: await createTestCipher(),
    });
  };
  const openStore = async () => {
    store = await LocalStore.open(await backend(), {
      clinicId,
      userId: USER_ID,
      clock,
      ids,
      random,
      locks: null,
      ...(identity !== undefined && { identity }),
    });
    return store;
  };
  return {
    clock,
    open: (fixed) => {
      identity = fixed;
      return openStore();
    },
    reopen: () => {
      store?.close();
      return openStore();
    },
    otherTab: async () =>
      LocalStore.open(await backend(true), {
        clinicId,
        userId: USER_ID,
        clock,
        ids,
        random,
        locks: null,
        ...(identity !== undefined && { identity }),
      }),
    failWritesTo: (table, error = quotaExceeded) => {
      fault.table = table;
      fault.error = error;
    },
  };
}

/** A DBCore middleware failing writes to one table, as a full disk would. */
function injectFaults(db: Dexie, fault: { table: TableName | undefined; error: () => Error }) {
  db.use({
    stack: 'dbcore',
    name: 'outpost-test-faults',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name);
        return {
          ...table,
          mutate: (request) =>
            fault.table === name && (request.type === 'put' || request.type === 'add')
              ? Promise.reject(fault.error())
              : table.mutate(request),
        };
      },
    }),
  });
}

/** Builds a named persona as a record of `store`'s clinic, saved like any change. */
export async function savePersona(
  store: LocalStore,
  name: PersonaName,
): Promise<{ docId: string; id: string }> {
  const result = await store.createDocument('patient', (doc: Y.Doc, ctx: OpContext) =>
    buildPersona(doc, ctx, name, store.clinicId),
  );
  if (!result.ok) throw new Error(`persona not saved: ${JSON.stringify(result.error)}`);
  return result.value;
}

function buildPersona(
  doc: Y.Doc,
  ctx: OpContext,
  name: PersonaName,
  clinicId: ClinicId,
): Result<string, string> {
  PatientBuilder.persona(name).with({ homeClinicId: clinicId }).build(ctx, doc);
  const meta = readMeta(doc);
  return meta.ok ? ok(meta.value.id) : err('no meta');
}

export type { UserId };

// ---------------------------------------------------------------------------
// Looking at what is really on disk (encryption tests)

/** Every value stored in an IndexedDB database, read with raw cursors (no Dexie, no opening). */
export async function rawDatabaseValues(
  name: string,
  factory: IDBFactory = indexedDB,
): Promise<Array<{ store: string; key: IDBValidKey; value: unknown }>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = factory.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
  try {
    const rows: Array<{ store: string; key: IDBValidKey; value: unknown }> = [];
    for (const store of Array.from(db.objectStoreNames)) {
      await new Promise<void>((resolve, reject) => {
        const request = db.transaction(store, 'readonly').objectStore(store).openCursor();
        request.onsuccess = () => {
          const cursor = request.result;
          if (cursor === null) return resolve();
          rows.push({ store, key: cursor.primaryKey, value: cursor.value });
          cursor.continue();
        };
        request.onerror = () => reject(request.error ?? new Error('cursor failed'));
      });
    }
    return rows;
  } finally {
    db.close();
  }
}

/**
 * Where `canary` occurs in `values` (recursively: strings, keys, and every
 * byte array read as UTF-8, as UTF-16LE at both byte alignments and as
 * base64): case-insensitive, and also as base64 of the canary at each of its
 * three alignments. Returns a path for each hit.
 */
export function findCanary(values: unknown, canary: string): string[] {
  const needles = canaryNeedles(canary);
  const hits: string[] = [];
  const check = (text: string, path: string) => {
    const lower = text.toLowerCase();
    for (const needle of needles) if (lower.includes(needle)) hits.push(`${path} (${needle})`);
  };
  const visit = (value: unknown, path: string) => {
    if (typeof value === 'string') return check(value, path);
    if (value instanceof Uint8Array) {
      check(new TextDecoder('utf-8').decode(value), `${path} as UTF-8`);
      check(new TextDecoder('utf-16le').decode(value), `${path} as UTF-16LE`);
      check(new TextDecoder('utf-16le').decode(value.subarray(1)), `${path} as UTF-16LE+1`);
      check(bytesToBase64(value), `${path} as base64`);
      return;
    }
    if (Array.isArray(value)) return value.forEach((item, i) => visit(item, `${path}[${i}]`));
    if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) {
        check(key, `${path} key`);
        visit(item, `${path}.${key}`);
      }
  };
  visit(values, '$');
  return hits;
}

function canaryNeedles(canary: string): string[] {
  const lower = canary.toLowerCase();
  const needles = new Set([lower]);
  const bytes = new TextEncoder().encode(canary);
  for (const source of [bytes, new TextEncoder().encode(lower)])
    for (let shift = 0; shift < 3; shift++) {
      // base64 of the canary after `shift` other bytes: the stable middle of it.
      const padded = new Uint8Array(shift + source.length);
      padded.set(source, shift);
      const text = bytesToBase64(padded);
      const core = text.slice(shift === 0 ? 0 : 4, -4).toLowerCase();
      needles.add(core);
      needles.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  return [...needles];
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
