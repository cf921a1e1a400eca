/**
 * The tablet's own IndexedDB database (`outpost-tablet`): which device this is
 * (enrollment), which users have signed in on it (their wrapped copies of the
 * clinic secret, sealed tokens, throttling counters) and tablet audit events not
 * yet accepted by the server. The clinic databases (patient records) are in
 * store.ts; these two modules are the only ones that touch IndexedDB.
 *
 * It must survive a power cut like the records do (localStorage is flushed
 * lazily and was seen to lose data after a hard kill), so every write commits
 * with strict durability.
 *
 * What is stored in the clear, and why (docs/security.md, "The tablet"):
 * - `device.deviceSecret`: not patient data; alone it cannot sign in or
 *   refresh (a refresh token is needed too, and that is sealed).
 * - ids, usernames, display names and roles of the staff who signed in here
 *   (the lock screen lists them before anyone has unlocked).
 * - wrapped secrets (AES-GCM ciphertext) and KDF parameters; throttling counters.
 * Everything else about a user (refresh token, PIN verifier) is in
 * `sealedPrivate`, sealed with the clinic's record key.
 */
import { Dexie, type DexieOptions, type Table } from 'dexie';
import { toStorageError } from './backend';
import { DATABASE_PREFIX, databaseName } from './names';

export const TABLET_DATABASE = 'outpost-tablet';

export interface TabletDatabaseOptions {
  /** Another IndexedDB implementation (tests: fake-indexeddb). */
  readonly indexedDB?: DexieOptions['indexedDB'];
  readonly IDBKeyRange?: DexieOptions['IDBKeyRange'];
  /** Another database name (tests: several tablets in one process). */
  readonly name?: string;
}

/** Bytes as stored: base64url, so rows stay plain JSON (easy to inspect and to scan for canaries). */
export type Base64Url = string;

/** A secret wrapped (encrypted) under a key: AES-GCM output (`SealedBytes`, base64url). */
export interface WrappedSecretRecord {
  readonly iv: Base64Url;
  readonly ct: Base64Url;
}

/** Key-derivation parameters stored beside a passphrase-wrapped secret. */
export interface KdfRecord {
  readonly alg: 'PBKDF2-SHA256';
  readonly iterations: number;
  readonly salt: Base64Url;
}

/** Bytes sealed with the clinic's record key (`RecordCipher.seal`, base64url). */
export interface SealedRecord {
  readonly iv: Base64Url;
  readonly ct: Base64Url;
}

/** The enrolled device (one row, key `device`). */
export interface DeviceRecord {
  readonly key: 'device';
  readonly deviceId: string;
  /** Stored in the clear: a documented deviation (see the module comment). */
  readonly deviceSecret: string;
  readonly clinicId: string;
  readonly clinicName: string;
  readonly districtId: string;
  readonly label: string;
  /** The clinic secret wrapped with the server-escrowed device key; absent before the first sign-in. */
  readonly deviceWrapped?: WrappedSecretRecord;
  readonly enrolledAt: number;
}

export type TabletRole =
  'health-worker' | 'clinician' | 'specialist' | 'district-admin' | 'system-admin';

/** A user who signed in on this tablet. */
export interface UserRecord {
  readonly userId: string;
  readonly username: string;
  readonly name: string;
  readonly role: TabletRole;
  readonly clinicIds: readonly string[];
  /**
   * The clinic secret wrapped with this user's passphrase; absent after 10 wrong
   * passphrases (online sign-in needed again).
   */
  readonly wrapped?: WrappedSecretRecord;
  readonly kdf?: KdfRecord;
  /** `{refreshToken, pin?}` sealed with the record key (see vault). */
  readonly sealedPrivate?: SealedRecord;
  /**
   * Signed in with an administrator's one-time password: she must choose her
   * own before anything else (the server refuses everything else until then).
   */
  readonly mustChangePassword?: boolean;
  /** Wrong passphrases since the last successful unlock or sign-in. */
  readonly passphraseFailures: number;
  /** Block left, counted down by monotonic time only while the app runs. */
  readonly passphraseBlockRemainingMs: number;
  /** Wrong PINs in a row. */
  readonly pinFailures: number;
  readonly pinBlockRemainingMs: number;
  /** Device wall-clock time of the last passphrase unlock or sign-in (informative). */
  readonly lastUnlockAt?: number;
  /** When the user first signed in on this tablet (list order). */
  readonly addedAt: number;
}

export type TabletAuditAction =
  | 'record.open'
  | 'record.print'
  | 'record.export'
  | 'unlock'
  | 'unlock_failed'
  | 'lock'
  | 'user_switch'
  | 'wipe';

/** A tablet audit event not yet accepted by the server (`POST /api/audit/events`). */
export interface AuditQueueRecord {
  /** Auto-increment: the order events happened in. */
  readonly id?: number;
  readonly action: TabletAuditAction;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly userId: string | null;
  readonly docId: string | null;
  /** Device wall-clock time (ms). */
  readonly deviceTime: number;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

class TabletDatabase extends Dexie {
  device!: Table<DeviceRecord, string>;
  users!: Table<UserRecord, string>;
  auditQueue!: Table<AuditQueueRecord, number>;

  constructor(options: TabletDatabaseOptions) {
    super(options.name ?? TABLET_DATABASE, {
      chromeTransactionDurability: 'strict',
      ...(options.indexedDB !== undefined && { indexedDB: options.indexedDB }),
      ...(options.IDBKeyRange !== undefined && { IDBKeyRange: options.IDBKeyRange }),
    });
    // Version history. Add a new version below; never edit or remove one.
    // 1: the stand-in setup (clinic chosen from a list, user's typed name).
    this.version(1).stores({ setup: 'key' });
    // 2: enrollment and sign-in (issue 4). The stand-in setup is dropped: it named a
    //    clinic and a typed name, no credential; the tablet is enrolled again with a code.
    this.version(2).stores({
      setup: null,
      device: 'key',
      users: 'userId',
      auditQueue: '++id',
    });
  }
}

/** The tablet database, open. Every method is one transaction; writes are on disk when they resolve. */
export class TabletDb {
  private constructor(private readonly db: TabletDatabase) {}

  static async open(options: TabletDatabaseOptions = {}): Promise<TabletDb> {
    const db = new TabletDatabase(options);
    try {
      await db.open();
    } catch (error) {
      throw toStorageError(error);
    }
    return new TabletDb(db);
  }

  get name(): string {
    return this.db.name;
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error);
    }
  }

  device(): Promise<DeviceRecord | undefined> {
    return this.#run(() => this.db.device.get('device'));
  }

  async putDevice(device: DeviceRecord): Promise<void> {
    await this.#run(() => this.db.device.put(device));
  }

  users(): Promise<UserRecord[]> {
    return this.#run(() => this.db.users.orderBy('userId').toArray());
  }

  user(userId: string): Promise<UserRecord | undefined> {
    return this.#run(() => this.db.users.get(userId));
  }

  async putUser(user: UserRecord): Promise<void> {
    await this.#run(() => this.db.users.put(user));
  }

  /** Changes some fields of a user's row (no-op when the row is gone). */
  async updateUser(userId: string, changes: Partial<Omit<UserRecord, 'userId'>>): Promise<void> {
    await this.#run(() =>
      this.db.transaction('rw', this.db.users, async () => {
        const row = await this.db.users.get(userId);
        if (row !== undefined) await this.db.users.put({ ...row, ...changes });
      }),
    );
  }

  /** A sign-in's result in one commit: the user's row and, when it changed, the device's. */
  async putSignIn(user: UserRecord, device?: DeviceRecord): Promise<void> {
    await this.#run(() =>
      this.db.transaction('rw', this.db.users, this.db.device, async () => {
        if (device !== undefined) await this.db.device.put(device);
        await this.db.users.put(user);
      }),
    );
  }

  /**
   * Reads a user's row and writes `change(row)` in one transaction (counters that
   * several tabs update); resolves with the row written, or undefined when there is none.
   */
  updateUserWith(
    userId: string,
    change: (row: UserRecord) => UserRecord,
  ): Promise<UserRecord | undefined> {
    return this.#run(() =>
      this.db.transaction('rw', this.db.users, async () => {
        const row = await this.db.users.get(userId);
        if (row === undefined) return undefined;
        const next = change(row);
        await this.db.users.put(next);
        return next;
      }),
    );
  }

  async deleteUser(userId: string): Promise<void> {
    await this.#run(() => this.db.users.delete(userId));
  }

  /** Adds audit events in one commit; returns nothing until they are on disk. */
  async queueAudit(events: readonly AuditQueueRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.#run(() => this.db.auditQueue.bulkAdd(events.map((event) => ({ ...event }))));
  }

  /** The oldest queued audit events (at most `limit`). */
  queuedAudit(limit: number): Promise<AuditQueueRecord[]> {
    return this.#run(() => this.db.auditQueue.orderBy('id').limit(limit).toArray());
  }

  /** Deletes audit events the server accepted (by id). */
  async dropAudit(ids: readonly number[]): Promise<void> {
    await this.#run(() => this.db.auditQueue.bulkDelete([...ids]));
  }

  close(): void {
    this.db.close();
  }

  /** Deletes the whole tablet database (revocation wipe). */
  async delete(): Promise<void> {
    await this.#run(() => this.db.delete());
  }
}

/** Deletes the tablet database without opening it first (it may not exist). */
export async function deleteTabletDatabase(options: TabletDatabaseOptions = {}): Promise<void> {
  try {
    await new TabletDatabase(options).delete();
  } catch (error) {
    throw toStorageError(error);
  }
}

/**
 * Erases everything Outpost keeps in IndexedDB on this tablet (a revoked device):
 * the clinic databases — `clinicIds`' and any other `outpost-clinic-*` the browser
 * lists — then the tablet database. Open connections in other tabs are asked to
 * close (Dexie closes on `versionchange`). Resolves once the deletions are done.
 */
export async function eraseTabletData(
  options: TabletDatabaseOptions & { readonly clinicIds: readonly string[] },
): Promise<void> {
  const factory = (options.indexedDB ??
    (typeof indexedDB === 'undefined' ? undefined : indexedDB)) as
    Partial<Pick<IDBFactory, 'databases'>> | undefined;
  const names = new Set(options.clinicIds.map((clinicId) => databaseName(clinicId)));
  try {
    const listed = (await factory?.databases?.()) ?? [];
    for (const { name } of listed) if (name?.startsWith(DATABASE_PREFIX)) names.add(name);
  } catch {
    // Not supported: the enrolled clinic's database is still deleted by name.
  }
  const dependencies = {
    ...(options.indexedDB !== undefined && { indexedDB: options.indexedDB }),
    ...(options.IDBKeyRange !== undefined && { IDBKeyRange: options.IDBKeyRange }),
  };
  try {
    for (const name of names) await new Dexie(name, dependencies).delete();
    await new TabletDatabase(options).delete();
  } catch (error) {
    throw toStorageError(error);
  }
}
