/**
 * The tablet's local-first storage. Screens and managers use `openClinicStore`
 * and the `LocalStore` it returns; nothing else touches IndexedDB (store.ts).
 */
import { systemIds, type ClinicId, type UserId } from '@outpost/shared/ids';
import type { Clock, IdSource, Random } from '@outpost/shared/deps';
import { cryptoRandom, systemClock } from './defaults';
import type { RecordCipher } from '../security/crypto';
import { LocalStore } from './local-store';
import { openDexieBackend, requestPersistentStorage, type DexieBackendOptions } from './store';

export interface OpenClinicStoreOptions {
  readonly clinicId: ClinicId;
  /** The signed-in user: their id goes on every change saved through this store. */
  readonly userId: UserId;
  /**
   * The clinic's record cipher (`vault.cipher`, once unlocked). Every record is
   * sealed with it at rest; there is no unencrypted IndexedDB store.
   */
  readonly cipher: RecordCipher;
  /**
   * The enrolled device's id (the server's): changes are attributed to it, and
   * the server checks that a consult's transitions and messages carry it.
   */
  readonly deviceId?: string;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  readonly random?: Random;
  readonly dexie?: DexieBackendOptions;
}

export { cryptoRandom, systemClock } from './defaults';

/**
 * Opens the enrolled clinic's database (`outpost-clinic-<clinicId>`) with its
 * record cipher, creating the tablet identity on first use (and sealing, once,
 * any rows left in the clear by a version from before encryption), and asks
 * the browser to persist storage.
 */
export async function openClinicStore(options: OpenClinicStoreOptions): Promise<LocalStore> {
  const backend = await openDexieBackend(options.clinicId, {
    ...options.dexie,
    cipher: options.cipher,
  });
  void requestPersistentStorage();
  return LocalStore.open(backend, {
    clinicId: options.clinicId,
    userId: options.userId,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? systemIds,
    random: options.random ?? cryptoRandom,
    ...(options.deviceId !== undefined && { identity: { deviceId: options.deviceId } }),
  });
}

export { LocalStore, LOCAL_ORIGIN, REMOTE_ORIGIN, kindOfDocId } from './local-store';
export type {
  ChangeCause,
  DocHandle,
  DocumentNotFound,
  OutboxSummary,
  RejectedUpdate,
  SaveError,
  StoreEvent,
  SyncStatusRecord,
} from './local-store';
export type {
  ConsultRow,
  LatestVital,
  OutboxEntry,
  PatientRow,
  RejectionRecord,
  StreamChunkRecord,
  StreamSessionRecord,
} from './records';
export type { QuarantinedRecord, StorageError, StorageFailure, StorageFull } from './backend';
export { STORAGE_FULL_MESSAGE, UNREADABLE_RECORD_MESSAGE, UnreadableRecordError } from './backend';
export {
  requestPersistentStorage,
  storageDiagnostics,
  databaseName,
  deleteClinicDatabase,
} from './store';
export type { StorageDiagnostics } from './store';
export { TABLET_DATABASE, TabletDb, deleteTabletDatabase, eraseTabletData } from './tablet-db';
export type {
  AuditQueueRecord,
  DeviceRecord,
  KdfRecord,
  SealedRecord,
  TabletAuditAction,
  TabletDatabaseOptions,
  TabletRole,
  UserRecord,
  WrappedSecretRecord,
} from './tablet-db';
export { ageInYears } from './read-models';
export type { TabletStore } from './tablet-store';
