/**
 * Test support for the tablet store (not used by the app): one harness per
 * storage backend, so the contract suite and the sync tests run against both
 * IndexedDB (fake-indexeddb) and memory, plus fault injection and personas.
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
import { LocalStore } from './local-store';
import { MemoryBackend, quotaExceeded } from './memory-store';
import type { TableName } from './records';
import { openDexieBackend } from './store';

export const CLINIC_ID = TEST_CLINIC_ID;
export const USER_ID = TEST_USER_ID;

export interface StoreHarness {
  readonly clock: ReturnType<typeof createManualClock>;
  /** Opens the tablet's store (first time: creates its identity). */
  open(identity?: { deviceId?: string; clientId?: number }): Promise<LocalStore>;
  /** Closes the current store and opens the same data again (the app restarting). */
  reopen(): Promise<LocalStore>;
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

  const backend = async (): Promise<StorageBackend> => {
    if (kind === 'memory') {
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
