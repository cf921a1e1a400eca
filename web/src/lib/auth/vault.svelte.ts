/**
 * The vault: who is using this tablet, and the only holder of the key that
 * opens the clinic's records (docs/security.md, "The tablet").
 *
 * Key hierarchy (crypto.ts): one random clinic secret per clinic database,
 * wrapped for each user with their account password (PBKDF2, here called the
 * passphrase) and once for the device with the key the server gives at sign-in
 * (so a second user can sign in on this tablet). From the secret, a
 * `RecordCipher` (non-extractable keys) is derived; the raw secret is zeroed at
 * once. The cipher lives in memory only: a reload or restart forgets it.
 *
 * - Online sign-in unlocks (and creates or unwraps the clinic secret). Offline,
 *   a user who signed in here before unlocks with their passphrase. While the key
 *   is in memory a 6-digit PIN reopens the locked screen; 5 wrong PINs drop the
 *   key and block the PIN for 20 min. Wrong passphrases wait 30 s doubling after
 *   the 5th; the 10th deletes that user's wrapped key (online sign-in again).
 *   Blocks count down in monotonic time only (throttle.ts): reloads and clock
 *   changes never shorten them.
 * - 2 min without input: locked (key kept, screens hidden). 12 h after the
 *   passphrase (or sign-in): the key is dropped.
 * - The access token is in memory only; the refresh token is sealed with the
 *   record key in the user's row and rotated atomically (stored before the new
 *   access token is used). `api()` adds the bearer token, refreshes once and
 *   retries on `401 token_expired`.
 * - The server ending a session (`session_revoked`, `user_disabled`,
 *   `refresh_token_reused`, `invalid_refresh_token`) drops that user's tokens
 *   and key; `device_revoked` pushes the outbox once with the device credentials
 *   (listeners of the `revoked` event do it), then erases the clinic and tablet
 *   databases.
 *
 * Listeners (`subscribe`) are how the app follows the key: the session opens
 * the clinic store on `unlocked` and closes it on `closing` (awaited).
 */
import { err, ok, type Result } from '@outpost/shared/result';
import {
  RecordCipher,
  WrongSecretError,
  KDF_POLICY,
  clinicSecretAad,
  deriveWrappingKey,
  deviceWrappingKey,
  fromBase64Url,
  newKdfParams,
  newSecret,
  pinVerifier,
  toBase64Url,
  unwrapSecret,
  verifyPin,
  wipeBytes,
  wrapSecret,
  type KdfParams,
  type PinVerifier,
  type SealedBytes,
} from '$lib/security/crypto';
// The tablet's own database only: the clinic store (`$lib/db`) loads after unlock.
import {
  TABLET_DATABASE,
  TabletDb,
  eraseTabletData,
  type AuditQueueRecord,
  type DeviceRecord,
  type KdfRecord,
  type TabletAuditAction,
  type TabletDatabaseOptions,
  type TabletRole,
  type UserRecord,
  type WrappedSecretRecord,
} from '$lib/db/tablet-db';
import { MIN_PASSWORD_LENGTH, authError, type AuthError, type AuthErrorCode } from './errors';
import {
  createServerApi,
  deviceHeaders,
  failureOf,
  type FetchLike,
  type ServerApi,
  type ServerFailure,
} from './server-api';
import {
  BLOCK_PERSIST_INTERVAL_MS,
  NO_FAILURES,
  PIN_MAX_FAILURES,
  afterPassphraseSuccess,
  afterWrongPassphrase,
  afterWrongPin,
  countDown,
  type PassphraseFailureOutcome,
  type PinFailureOutcome,
  type ThrottleCounters,
} from './throttle';

export type VaultState =
  'loading' | 'unenrolled' | 'no-users' | 'locked' | 'unlocked' | 'wiped' | 'error';

export interface TabletDevice {
  readonly deviceId: string;
  readonly clinicId: string;
  readonly clinicName: string;
  readonly label: string;
}

export interface TabletUser {
  readonly userId: string;
  readonly username: string;
  readonly name: string;
  readonly role: TabletRole;
  /** No usable key for this user on the tablet: online sign-in first (the passphrase cannot unlock). */
  readonly signInRequired: boolean;
  /** Her password is an administrator's one-time password: she chooses her own first. */
  readonly mustChangePassword: boolean;
}

/** Why the vault dropped a key or a user without being asked, for the lock screen to say. */
export type VaultNotice = AuthError & { readonly userId?: string };

/** Why the key leaves memory. */
export type KeyDropReason =
  | 'switch_user'
  | 'sign_out'
  | 'pin_lockout'
  | 'expired'
  | 'session_ended'
  | 'other_user'
  | 'revoked';

export type VaultEvent =
  /** The state became `unlocked` for `userId` (sign-in, passphrase or PIN); `cipher` is set. */
  | { readonly type: 'unlocked'; readonly userId: string; readonly role: TabletRole }
  /** Screens hidden; the key stays in memory. */
  | { readonly type: 'locked' }
  /**
   * `userId` is signing out of this tablet; they are still signed in (`vault.api`
   * works), so what is registered on the server for them on this device can be
   * withdrawn (Web Push). Awaited; `closing` follows.
   */
  | { readonly type: 'signing-out'; readonly userId: string }
  /** The key is leaving memory (already gone from `vault.cipher`): close what uses it. Awaited. */
  | { readonly type: 'closing'; readonly reason: KeyDropReason }
  /**
   * The device is revoked; the key is still in memory. Push the outbox once with
   * `vault.deviceHeaders()` and close the store: the databases are erased next. Awaited.
   */
  | { readonly type: 'revoked' }
  | { readonly type: 'wiped' };

export type VaultListener = (event: VaultEvent) => void | Promise<void>;

export interface VaultOptions {
  /** The network (default: `globalThis.fetch`). */
  readonly fetch?: FetchLike;
  /** Prefix of API paths (default: same origin). */
  readonly baseUrl?: string;
  readonly tabletDb?: TabletDatabaseOptions;
  /** Wall clock (ms). */
  readonly now?: () => number;
  /** Monotonic clock (ms): `performance.now()`. */
  readonly monotonicNow?: () => number;
  /** How often `tick()` runs (default 1 s; 0: never by itself — tests call `tick()`). */
  readonly tickMs?: number;
  /** PBKDF2 iterations new wrappings use; lower stored counts are re-wrapped (default KDF_POLICY). */
  readonly kdfIterations?: number;
  readonly idleLockMs?: number;
  readonly maxUnlockedMs?: number;
  /** Cross-tab lock for refresh (default `navigator.locks`; null: in-process only). */
  readonly locks?: LockManager | null;
}

/** Idle time before the screen locks (the key stays). */
export const IDLE_LOCK_MS = 2 * 60_000;
/** Time after the passphrase (or sign-in) when the key is dropped. */
export const MAX_UNLOCKED_MS = 12 * 3600_000;
/** Refresh the access token this long before it expires. */
const REFRESH_EARLY_MS = 60_000;
/** Audit events per request (the server takes 1–500). */
const AUDIT_BATCH = 500;

/** What is sealed in a user's row (`sealedPrivate`). */
interface UserPrivate {
  readonly refreshToken?: string;
  readonly pin?: { readonly salt: string; readonly hash: string; readonly iterations: number };
}

const SESSION_ENDING = new Set([
  'session_revoked',
  'user_disabled',
  'refresh_token_reused',
  'invalid_refresh_token',
]);
/** 401 codes a refresh may cure (expired, or signed with a key the server no longer has). */
const REFRESHABLE = new Set(['token_expired', 'unauthenticated']);

type TokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly response: Response };

function privateAad(userId: string): string {
  return `${TABLET_DATABASE}|users|${userId}|private`;
}

const toRecord = (sealed: SealedBytes): WrappedSecretRecord => ({
  iv: toBase64Url(sealed.iv),
  ct: toBase64Url(sealed.ct),
});
const fromRecord = (record: WrappedSecretRecord): SealedBytes => ({
  iv: fromBase64Url(record.iv),
  ct: fromBase64Url(record.ct),
});
const kdfToRecord = (params: KdfParams): KdfRecord => ({
  alg: params.alg,
  iterations: params.iterations,
  salt: toBase64Url(params.salt),
});
const kdfFromRecord = (record: KdfRecord): KdfParams => ({
  alg: record.alg,
  iterations: record.iterations,
  salt: fromBase64Url(record.salt),
});
const pinToRecord = (verifier: PinVerifier): NonNullable<UserPrivate['pin']> => ({
  salt: toBase64Url(verifier.salt),
  hash: toBase64Url(verifier.hash),
  iterations: verifier.iterations,
});
const pinFromRecord = (record: NonNullable<UserPrivate['pin']>): PinVerifier => ({
  salt: fromBase64Url(record.salt),
  hash: fromBase64Url(record.hash),
  iterations: record.iterations,
});

const countersOf = (row: UserRecord | undefined): ThrottleCounters =>
  row === undefined
    ? NO_FAILURES
    : {
        passphraseFailures: row.passphraseFailures,
        passphraseBlockRemainingMs: row.passphraseBlockRemainingMs,
        pinFailures: row.pinFailures,
        pinBlockRemainingMs: row.pinBlockRemainingMs,
      };

const tabletUserOf = (row: UserRecord): TabletUser => ({
  userId: row.userId,
  username: row.username,
  name: row.name,
  role: row.role,
  signInRequired: row.wrapped === undefined || row.kdf === undefined,
  mustChangePassword: row.mustChangePassword === true,
});

const deviceOf = (row: DeviceRecord): TabletDevice => ({
  deviceId: row.deviceId,
  clinicId: row.clinicId,
  clinicName: row.clinicName,
  label: row.label,
});

/** A response as the server would give it, for requests the vault answers itself. */
function syntheticError(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function withBearer(init: RequestInit, token: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

const MESSAGES: Record<AuthErrorCode, string> = {
  offline:
    'The server could not be reached. Connect the tablet to the clinic network and try again.',
  server_error: 'The server had a problem. Try again in a moment.',
  invalid_enrollment_code:
    'This enrollment code is not valid, already used or expired. Ask your administrator for a new one.',
  invalid_label: 'Give this tablet a name (1 to 80 characters).',
  already_enrolled: 'This tablet is already enrolled.',
  not_enrolled: 'This tablet is not enrolled yet.',
  invalid_credentials: 'The username or password is wrong.',
  account_disabled: 'This account has been disabled.',
  not_a_member: 'You do not work at the clinic this tablet is enrolled to.',
  too_many_attempts: 'Too many attempts. Wait, then try again.',
  device_revoked:
    'This tablet has been revoked and its data erased. Hand it to your administrator.',
  device_revoked_pending:
    'This tablet has been revoked. Unlock it once with your password: it hands over the work not yet sent, then erases itself.',
  invalid_device_credentials:
    'The server does not recognise this tablet. Ask your administrator to enroll it again.',
  key_unavailable:
    'This tablet cannot open its records for you yet: someone who has signed in on it before must sign in once.',
  unknown_user: 'This user has not signed in on this tablet.',
  wrong_passphrase: 'The password is wrong.',
  sign_in_required: 'Sign in again while connected to the clinic network.',
  blocked: 'Too many wrong attempts. Wait, then try again.',
  passphrase_required: 'Enter your password to unlock.',
  invalid_pin: 'A PIN is 6 digits.',
  wrong_pin: 'The PIN is wrong.',
  pin_not_set: 'No PIN is set: enter your password.',
  session_ended: 'You have been signed out. Sign in again.',
  user_disabled: 'This account has been disabled.',
  passphrase_expired: '12 hours have passed since you entered your password: enter it again.',
  storage_failed: 'The tablet could not save this. Free some space and try again.',
  crypto_unavailable:
    'This browser cannot encrypt on this page: open Outpost over https (or at localhost on the server itself).',
  password_too_short: `A password has at least ${MIN_PASSWORD_LENGTH} characters.`,
  same_password: 'The new password must differ from the current one.',
};

const fail = (
  code: AuthErrorCode,
  extra: Omit<AuthError, 'code' | 'message'> = {},
  message = MESSAGES[code],
) => err(authError(code, message, extra));

export class Vault {
  state = $state<VaultState>('loading');
  device = $state<TabletDevice | undefined>(undefined);
  users = $state<TabletUser[]>([]);
  current = $state<TabletUser | undefined>(undefined);
  keyInMemory = $state(false);
  /** The current user signed in or unlocked with the passphrase and has no PIN yet. */
  needsPin = $state(false);
  /** Why a key or a user was dropped without being asked (cleared by the next unlock or sign-in). */
  notice = $state<VaultNotice | undefined>(undefined);
  /** The failure that put the vault in `error`. */
  error = $state<string | undefined>(undefined);
  /** The record cipher while the key is in memory. */
  cipher = $state.raw<RecordCipher | undefined>(undefined);

  /** Remaining blocks per user, for `blockedForMs` (reactive). */
  #blocks = $state<Record<string, { pin: number; passphrase: number }>>({});

  readonly #fetch: FetchLike;
  readonly #baseUrl: string;
  readonly #server: ServerApi;
  readonly #options: VaultOptions;
  readonly #now: () => number;
  readonly #mono: () => number;
  readonly #kdfIterations: number;
  readonly #idleLockMs: number;
  readonly #maxUnlockedMs: number;

  #db: TabletDb | undefined;
  #deviceRow: DeviceRecord | undefined;
  /**
   * Each user's counters as last read from or written to the tablet database (the
   * source of truth: several tabs may count). `#pendingElapsedMs` of monotonic time
   * has passed since and is not yet subtracted there.
   */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping; `#blocks` is the reactive mirror
  #counters = new Map<string, ThrottleCounters>();
  #pendingElapsedMs = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- listeners, not state
  #listeners = new Set<VaultListener>();
  #started: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #work: Promise<unknown> = Promise.resolve();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- pending work, not state
  #background = new Set<Promise<unknown>>();
  /** Audit events being written to the queue (a flush waits for them). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- pending work, not state
  #auditWrites = new Set<Promise<unknown>>();
  #access: { userId: string; token: string; expiresAtMono: number } | undefined;
  #refreshing: Promise<TokenResult> | undefined;
  #flushing: Promise<void> | undefined;
  #revoking: Promise<void> | undefined;
  #unlockedAtMono = 0;
  #unlockedAtWall = 0;
  #activityMono = 0;
  #activityWall = 0;
  #lastTickMono = 0;
  #lastPersistMono = 0;

  constructor(options: VaultOptions = {}) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#baseUrl = options.baseUrl ?? '';
    this.#server = createServerApi(this.#fetch, this.#baseUrl);
    this.#now = options.now ?? (() => Date.now());
    this.#mono = options.monotonicNow ?? (() => performance.now());
    this.#kdfIterations = options.kdfIterations ?? KDF_POLICY.iterations;
    this.#idleLockMs = options.idleLockMs ?? IDLE_LOCK_MS;
    this.#maxUnlockedMs = options.maxUnlockedMs ?? MAX_UNLOCKED_MS;
  }

  // ---------------------------------------------------------------------------
  // Start, events, housekeeping

  /** Loads the device and its users (idempotent). */
  start(): Promise<void> {
    return (this.#started ??= this.#start());
  }

  async #start(): Promise<void> {
    try {
      this.#db = await TabletDb.open(this.#options.tabletDb);
      await this.#reload();
      this.state = this.#restingState();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.state = 'error';
      return;
    }
    this.#lastTickMono = this.#lastPersistMono = this.#mono();
    const tickMs = this.#options.tickMs ?? 1000;
    if (tickMs > 0) this.#timer = setInterval(() => this.tick(), tickMs);
  }

  /** An erased tablet enrolled again (without a reload): a new, empty tablet database. */
  async #reopenAfterWipe(): Promise<void> {
    this.#db = await TabletDb.open(this.#options.tabletDb);
    this.#revoking = undefined;
    this.#lastTickMono = this.#lastPersistMono = this.#mono();
    const tickMs = this.#options.tickMs ?? 1000;
    if (tickMs > 0 && this.#timer === undefined)
      this.#timer = setInterval(() => this.tick(), tickMs);
  }

  /** Stops the timer and closes the tablet database (tests; a page never stops). */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.idle();
    await this.#settleElapsed();
    this.#db?.close();
    this.#db = undefined;
  }

  subscribe(listener: VaultListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when background work started so far (closing listeners, writes) has finished. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
    await this.#work.catch(() => undefined);
  }

  async #emit(event: VaultEvent): Promise<void> {
    for (const listener of [...this.#listeners]) {
      try {
        await listener(event);
      } catch (error) {
        // A listener's failure must not stop the vault (the key still leaves memory).
        console.error('vault listener failed', error);
      }
    }
  }

  #inBackground(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => console.error('vault task failed', error));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  /** One identity operation at a time (a double tap must not sign in twice). */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#work.then(work, work);
    this.#work = run.catch(() => undefined);
    return run;
  }

  get #database(): TabletDb {
    if (this.#db === undefined) throw new Error('vault.start() first');
    return this.#db;
  }

  async #reload(): Promise<void> {
    const db = this.#database;
    const [device, rows] = await Promise.all([db.device(), db.users()]);
    this.#deviceRow = device;
    this.device = device === undefined ? undefined : deviceOf(device);
    this.#counters.clear();
    for (const row of rows) this.#counters.set(row.userId, countersOf(row));
    this.users = rows.map(tabletUserOf).sort((a, b) => a.name.localeCompare(b.name));
    if (this.current !== undefined)
      this.current = this.users.find((user) => user.userId === this.current?.userId);
    this.#publishBlocks();
  }

  #restingState(): VaultState {
    if (this.#deviceRow === undefined) return 'unenrolled';
    if (this.users.length === 0) return 'no-users';
    return this.keyInMemory && this.current !== undefined ? 'unlocked' : 'locked';
  }

  #publishBlocks(): void {
    const blocks: Record<string, { pin: number; passphrase: number }> = {};
    for (const [userId, counters] of this.#counters) {
      const now = countDown(counters, this.#pendingElapsedMs);
      blocks[userId] = {
        pin: now.pinBlockRemainingMs,
        passphrase: now.passphraseBlockRemainingMs,
      };
    }
    this.#blocks = blocks;
  }

  /**
   * Subtracts the monotonic time counted since the last write from every running
   * block, in the database (read-modify-write: what another tab recorded meanwhile
   * is kept; two tabs counting at once shorten a block at most twofold).
   */
  async #settleElapsed(): Promise<void> {
    const db = this.#db;
    const elapsed = this.#pendingElapsedMs;
    this.#pendingElapsedMs = 0;
    this.#lastPersistMono = this.#mono();
    if (db === undefined || elapsed <= 0) return;
    for (const [userId, counters] of [...this.#counters]) {
      if (counters.pinBlockRemainingMs <= 0 && counters.passphraseBlockRemainingMs <= 0) continue;
      const row = await db.updateUserWith(userId, (stored) => ({
        ...stored,
        ...countDown(countersOf(stored), elapsed),
      }));
      if (row === undefined) this.#counters.delete(userId);
      else this.#counters.set(userId, countersOf(row));
    }
    this.#publishBlocks();
  }

  /** The user's counters as stored now (after settling the time counted here). */
  async #freshCounters(userId: string): Promise<ThrottleCounters> {
    await this.#settleElapsed();
    const counters = countersOf(await this.#database.user(userId));
    this.#counters.set(userId, counters);
    this.#publishBlocks();
    return counters;
  }

  /** Applies `change` to the stored counters (one transaction) and mirrors the result. */
  async #changeCounters(
    userId: string,
    change: (counters: ThrottleCounters) => ThrottleCounters,
    rest: (row: UserRecord) => UserRecord = (row) => row,
  ): Promise<ThrottleCounters> {
    await this.#settleElapsed();
    const row = await this.#database.updateUserWith(userId, (stored) =>
      rest({ ...stored, ...change(countersOf(stored)) }),
    );
    const counters = countersOf(row);
    if (row === undefined) this.#counters.delete(userId);
    else this.#counters.set(userId, counters);
    this.#publishBlocks();
    return counters;
  }

  /** Milliseconds before `userId` may try the PIN or passphrase again (0: now). */
  blockedForMs(userId: string, kind: 'pin' | 'passphrase'): number {
    return this.#blocks[userId]?.[kind] ?? 0;
  }

  /** Input happened (the layout calls this on pointer and key events): the idle timer restarts. */
  noteActivity(): void {
    this.#activityMono = this.#mono();
    this.#activityWall = this.#now();
  }

  /**
   * Counts blocks down by the monotonic time since the last tick (persisted every
   * few seconds), locks after the idle time, drops the key after 12 h. Runs every
   * second by itself; tests call it after moving their clocks.
   */
  tick(): void {
    const mono = this.#mono();
    const elapsed = Math.max(0, mono - this.#lastTickMono);
    this.#lastTickMono = mono;
    let counting = false;
    let ended = false;
    for (const counters of this.#counters.values()) {
      const before = countDown(counters, this.#pendingElapsedMs);
      if (before.pinBlockRemainingMs <= 0 && before.passphraseBlockRemainingMs <= 0) continue;
      counting = true;
      const after = countDown(before, elapsed);
      if (after.pinBlockRemainingMs === 0 && after.passphraseBlockRemainingMs === 0) ended = true;
    }
    if (counting) {
      this.#pendingElapsedMs += elapsed;
      this.#publishBlocks();
      if (ended || mono - this.#lastPersistMono >= BLOCK_PERSIST_INTERVAL_MS)
        this.#inBackground(this.#settleElapsed());
    }
    if (this.state === 'unlocked') {
      const idle = Math.max(mono - this.#activityMono, this.#now() - this.#activityWall);
      if (idle >= this.#idleLockMs) this.lock('idle');
    }
    if (this.keyInMemory) {
      // Either clock running out drops the key: the wall clock catches a tablet that
      // slept (monotonic time may pause), the monotonic one a clock set back.
      const unlockedFor = Math.max(mono - this.#unlockedAtMono, this.#now() - this.#unlockedAtWall);
      if (unlockedFor >= this.#maxUnlockedMs)
        this.#inBackground(
          this.#dropKey('expired', {
            ...authError('passphrase_expired', MESSAGES.passphrase_expired),
            ...(this.current && { userId: this.current.userId }),
          }),
        );
    }
  }

  // ---------------------------------------------------------------------------
  // Enrollment

  /** Enrolls this tablet with the code an administrator read out (online, once). */
  enroll(code: string, label: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(async () => {
      await this.start();
      if (this.state === 'wiped') await this.#reopenAfterWipe();
      if (this.#deviceRow !== undefined) return fail('already_enrolled');
      const name = label.trim();
      if (name.length < 1 || name.length > 80) return fail('invalid_label', { field: 'label' });
      if (code.trim() === '') return fail('invalid_enrollment_code', { field: 'code' });
      let answer;
      try {
        answer = await this.#server.enroll(code.trim(), name);
      } catch {
        return fail('offline');
      }
      if (!answer.ok) {
        if (answer.code === 'invalid_enrollment_code')
          return fail('invalid_enrollment_code', { field: 'code' });
        if (answer.code === 'too_many_attempts') return fail('too_many_attempts', retryOf(answer));
        if (answer.status === 400 && answer.field === 'label')
          return fail('invalid_label', { field: 'label' });
        return fail('server_error', {}, answer.message);
      }
      const device: DeviceRecord = {
        key: 'device',
        deviceId: answer.value.deviceId,
        deviceSecret: answer.value.deviceSecret,
        clinicId: answer.value.clinic.id,
        clinicName: answer.value.clinic.name,
        districtId: answer.value.clinic.districtId,
        label: name,
        enrolledAt: this.#now(),
      };
      try {
        await this.#database.putDevice(device);
      } catch {
        return fail('storage_failed');
      }
      await this.#reload();
      this.state = this.#restingState();
      return ok(undefined);
    });
  }

  // ---------------------------------------------------------------------------
  // Sign-in (online)

  /**
   * Signs a user in with the server and unlocks: the clinic secret is unwrapped
   * (their own copy, else the device copy) or, on a fresh tablet, created; then
   * wrapped for this user with `password`.
   */
  signIn(username: string, password: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(() => this.#signIn(username.trim(), password));
  }

  async #signIn(username: string, password: string): Promise<Result<void, AuthError>> {
    await this.start();
    const device = this.#deviceRow;
    if (device === undefined) return fail('not_enrolled');
    if (username === '') return fail('invalid_credentials', { field: 'username' });
    if (password === '') return fail('invalid_credentials', { field: 'password' });
    if (!cryptoAvailable()) return fail('crypto_unavailable');
    let answer;
    try {
      answer = await this.#server.signIn(device, username, password);
    } catch {
      return fail('offline');
    }
    if (!answer.ok) return this.#signInFailure(answer);
    const signedIn = answer.value;
    if (typeof signedIn.deviceKey !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signedIn.deviceKey))
      return fail('server_error', {}, 'The server did not send this device its key.');
    const userId = signedIn.user.id;
    const db = this.#database;
    await this.#settleElapsed();
    const existing = await db.user(userId);
    const userAad = clinicSecretAad(device.clinicId, userId);
    const deviceAad = clinicSecretAad(device.clinicId, 'device');

    let secret: Uint8Array | undefined;
    let deviceWrapped: WrappedSecretRecord | undefined;
    let cipher: RecordCipher;
    let passphraseCopy: Pick<UserRecord, 'wrapped' | 'kdf'>;
    try {
      const deviceKey = await deviceWrappingKey(fromBase64Url(signedIn.deviceKey));
      if (existing?.wrapped !== undefined && existing.kdf !== undefined)
        secret = await unwrapSecret(
          fromRecord(existing.wrapped),
          await deriveWrappingKey(password, kdfFromRecord(existing.kdf)),
          userAad,
        ).catch(() => undefined); // their password changed since: the device copy opens it
      let deviceCopyOpens = false;
      if (device.deviceWrapped !== undefined) {
        const fromDevice = await unwrapSecret(
          fromRecord(device.deviceWrapped),
          deviceKey,
          deviceAad,
        ).catch(() => undefined);
        deviceCopyOpens = fromDevice !== undefined;
        if (secret === undefined) secret = fromDevice;
        else if (fromDevice !== undefined) wipeBytes(fromDevice);
      }
      if (secret === undefined) {
        if (device.deviceWrapped !== undefined) {
          // Data exists here under a secret nobody present can open: never replace it.
          await this.#server.signOut(signedIn.accessToken).catch(() => undefined);
          return fail('key_unavailable');
        }
        secret = newSecret(); // the first sign-in on this tablet
      }
      if (!deviceCopyOpens)
        deviceWrapped = toRecord(await wrapSecret(secret, deviceKey, deviceAad));
      passphraseCopy = await this.#wrapForPassphrase(secret, password, userAad);
      cipher = await RecordCipher.fromSecret(secret);
    } finally {
      if (secret !== undefined) wipeBytes(secret);
    }

    // Keep this user's PIN when they sign in again; a new refresh token either way.
    let pin: UserPrivate['pin'];
    if (existing?.sealedPrivate !== undefined)
      pin = (await this.#openPrivate(cipher, userId, existing)).pin;
    const sealedPrivate = toRecord(
      await cipher.sealJson(privateAad(userId), {
        refreshToken: signedIn.refreshToken,
        ...(pin !== undefined && { pin }),
      } satisfies UserPrivate),
    );
    const counters = afterPassphraseSuccess(countersOf(existing));
    const row: UserRecord = {
      userId,
      username: username.toLowerCase(),
      name: signedIn.user.name,
      role: signedIn.user.role,
      clinicIds: [...signedIn.user.clinicIds],
      ...passphraseCopy,
      sealedPrivate,
      mustChangePassword: signedIn.user.mustChangePassword === true,
      ...counters,
      lastUnlockAt: this.#now(),
      addedAt: existing?.addedAt ?? this.#now(),
    };
    try {
      await db.putSignIn(
        row,
        deviceWrapped === undefined ? undefined : { ...device, deviceWrapped },
      );
    } catch {
      await this.#server.signOut(signedIn.accessToken).catch(() => undefined);
      return fail('storage_failed');
    }
    await this.#install(userId, cipher, pin !== undefined, {
      token: signedIn.accessToken,
      expiresInS: signedIn.expiresIn,
    });
    return ok(undefined);
  }

  #signInFailure(answer: ServerFailure): Result<void, AuthError> {
    switch (answer.code) {
      case 'invalid_credentials':
        return fail('invalid_credentials', { field: 'password' });
      case 'account_disabled':
      case 'not_a_member':
      case 'invalid_device_credentials':
        return fail(answer.code);
      case 'too_many_attempts':
        return fail('too_many_attempts', retryOf(answer));
      case 'device_revoked':
        this.#inBackground(this.#revoke());
        return fail('device_revoked');
      default:
        if (answer.status === 400 && answer.field !== undefined)
          return fail('invalid_credentials', { field: answer.field });
        return fail('server_error', {}, answer.message);
    }
  }

  /** Makes `userId` the current, unlocked user with `cipher` in memory. */
  async #install(
    userId: string,
    cipher: RecordCipher,
    hasPin: boolean,
    access?: { token: string; expiresInS: number },
  ): Promise<void> {
    if (this.keyInMemory && this.current !== undefined && this.current.userId !== userId)
      await this.#dropKey('other_user');
    const mono = this.#mono();
    const wall = this.#now();
    this.cipher = cipher;
    this.keyInMemory = true;
    this.#access =
      access === undefined
        ? undefined
        : { userId, token: access.token, expiresAtMono: mono + access.expiresInS * 1000 };
    this.#unlockedAtMono = mono;
    this.#unlockedAtWall = wall;
    this.#activityMono = mono;
    this.#activityWall = wall;
    this.notice = undefined;
    await this.#reload();
    this.current = this.users.find((user) => user.userId === userId);
    this.needsPin = !hasPin;
    this.state = 'unlocked';
    const role = this.current?.role ?? 'health-worker';
    await this.#emit({ type: 'unlocked', userId, role });
  }

  /** The clinic secret wrapped under `passphrase` at today's key-derivation policy. */
  async #wrapForPassphrase(
    secret: Uint8Array,
    passphrase: string,
    aad: string,
  ): Promise<{ wrapped: WrappedSecretRecord; kdf: KdfRecord }> {
    const kdf = newKdfParams(this.#kdfIterations);
    const wrapped = await wrapSecret(secret, await deriveWrappingKey(passphrase, kdf), aad);
    return { wrapped: toRecord(wrapped), kdf: kdfToRecord(kdf) };
  }

  async #openPrivate(
    cipher: RecordCipher,
    userId: string,
    row: UserRecord | undefined,
  ): Promise<UserPrivate> {
    if (row?.sealedPrivate === undefined) return {};
    try {
      return await cipher.openJson<UserPrivate>(privateAad(userId), fromRecord(row.sealedPrivate));
    } catch {
      return {}; // altered or from another key: the refresh token and PIN are gone
    }
  }

  // ---------------------------------------------------------------------------
  // PIN

  /** Sets (or replaces) the current user's 6-digit PIN; the key must be in memory. */
  setPin(pin: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(async () => {
      const cipher = this.cipher;
      const user = this.current;
      if (cipher === undefined || user === undefined) return fail('passphrase_required');
      if (!/^\d{6}$/.test(pin)) return fail('invalid_pin', { field: 'pin' });
      const db = this.#database;
      const row = await db.user(user.userId);
      if (row === undefined) return fail('unknown_user');
      const current = await this.#openPrivate(cipher, user.userId, row);
      const sealed = await cipher.sealJson(privateAad(user.userId), {
        ...current,
        pin: pinToRecord(await pinVerifier(pin)),
      } satisfies UserPrivate);
      try {
        await db.updateUser(user.userId, { sealedPrivate: toRecord(sealed) });
      } catch {
        return fail('storage_failed');
      }
      this.needsPin = false;
      return ok(undefined);
    });
  }

  // ---------------------------------------------------------------------------
  // Password

  /** The current user must replace an administrator's one-time password before anything else. */
  get needsPasswordChange(): boolean {
    return this.state === 'unlocked' && this.current?.mustChangePassword === true;
  }

  /**
   * Replaces the current user's password on the server (online), then re-wraps
   * this tablet's copy of the clinic secret under the new one, so the new
   * password also unlocks offline. Her other sessions end (server).
   */
  changePassword(current: string, next: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(async () => {
      const user = this.current;
      const device = this.#deviceRow;
      if (user === undefined || !this.keyInMemory) return fail('passphrase_required');
      if (device === undefined) return fail('not_enrolled');
      if (current === '') return fail('invalid_credentials', { field: 'currentPassword' });
      if ([...next].length < MIN_PASSWORD_LENGTH)
        return fail('password_too_short', { field: 'newPassword' });
      if (next === current) return fail('same_password', { field: 'newPassword' });
      const db = this.#database;
      const row = await db.user(user.userId);
      if (row?.wrapped === undefined || row.kdf === undefined) return fail('sign_in_required');
      let response: Response;
      try {
        response = await this.api('/api/auth/password', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ currentPassword: current, newPassword: next }),
        });
      } catch {
        return fail('offline');
      }
      if (!response.ok) {
        const failure = await failureOf(response);
        if (failure.code === 'invalid_credentials')
          return fail('invalid_credentials', { field: 'currentPassword' });
        if (failure.code === 'same_password')
          return fail('same_password', { field: 'newPassword' });
        if (failure.code === 'too_many_attempts') return fail('too_many_attempts');
        if (response.status === 401) return fail('session_ended');
        if (response.status === 400 && failure.field === 'newPassword')
          return fail('password_too_short', { field: 'newPassword' });
        return fail('server_error', {}, failure.message);
      }
      // The server has the new password: the tablet's copy follows (the old one opens it).
      const aad = clinicSecretAad(device.clinicId, user.userId);
      let secret: Uint8Array | undefined;
      try {
        secret = await unwrapSecret(
          fromRecord(row.wrapped),
          await deriveWrappingKey(current, kdfFromRecord(row.kdf)),
          aad,
        ).catch(() => undefined);
        if (secret === undefined) {
          // Typed right for the server, yet not what wrapped this copy: the next
          // online sign-in re-wraps it (the device copy opens the secret).
          await db.updateUser(user.userId, { mustChangePassword: false });
        } else {
          await db.updateUser(user.userId, {
            ...(await this.#wrapForPassphrase(secret, next, aad)),
            mustChangePassword: false,
          });
        }
      } catch {
        return fail('storage_failed');
      } finally {
        if (secret !== undefined) wipeBytes(secret);
      }
      await this.#reload();
      this.current = this.users.find((candidate) => candidate.userId === user.userId);
      return ok(undefined);
    });
  }

  /** Reopens the locked screen for the current user, whose key is still in memory. */
  unlockWithPin(pin: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(async () => {
      const cipher = this.cipher;
      const user = this.current;
      if (cipher === undefined || user === undefined) return fail('passphrase_required');
      if (this.state === 'unlocked') return ok(undefined);
      const userId = user.userId;
      const counters = await this.#freshCounters(userId);
      if (counters.pinBlockRemainingMs > 0)
        return fail('blocked', { retryAfterMs: counters.pinBlockRemainingMs });
      if (!/^\d{6}$/.test(pin)) return fail('invalid_pin', { field: 'pin' });
      const stored = (await this.#openPrivate(cipher, userId, await this.#database.user(userId)))
        .pin;
      if (stored === undefined) return fail('pin_not_set');
      if (await verifyPin(pin, pinFromRecord(stored))) {
        await this.#changeCounters(userId, (stored) => ({ ...stored, pinFailures: 0 }));
        this.#activityMono = this.#mono();
        this.#activityWall = this.#now();
        this.state = 'unlocked';
        this.#audit('unlock', 'success', userId, { method: 'pin' });
        await this.#emit({ type: 'unlocked', userId, role: user.role });
        return ok(undefined);
      }
      let outcome: PinFailureOutcome = afterWrongPin(counters);
      await this.#changeCounters(userId, (stored) => (outcome = afterWrongPin(stored)).counters);
      this.#audit('unlock_failed', 'failure', userId, {
        method: 'pin',
        failures: outcome.type === 'retry' ? outcome.counters.pinFailures : PIN_MAX_FAILURES,
      });
      if (outcome.type === 'drop-key') {
        const notice = authError(
          'passphrase_required',
          'Too many wrong PINs: enter your password.',
          { retryAfterMs: outcome.counters.pinBlockRemainingMs },
        );
        await this.#dropKey('pin_lockout', { ...notice, userId });
        return err(notice);
      }
      return fail('wrong_pin', { field: 'pin', attemptsLeft: outcome.attemptsLeft });
    });
  }

  // ---------------------------------------------------------------------------
  // Passphrase (offline)

  /** Unlocks offline with the password of a user who signed in on this tablet before. */
  unlockWithPassphrase(userId: string, passphrase: string): Promise<Result<void, AuthError>> {
    return this.#exclusive(async () => {
      await this.start();
      const device = this.#deviceRow;
      if (device === undefined) return fail('not_enrolled');
      const db = this.#database;
      const row = await db.user(userId);
      if (row === undefined) return fail('unknown_user');
      if (row.wrapped === undefined || row.kdf === undefined) return fail('sign_in_required');
      if (!cryptoAvailable()) return fail('crypto_unavailable');
      const counters = await this.#freshCounters(userId);
      if (counters.passphraseBlockRemainingMs > 0)
        return fail('blocked', { retryAfterMs: counters.passphraseBlockRemainingMs });
      const aad = clinicSecretAad(device.clinicId, userId);
      let secret: Uint8Array | undefined;
      try {
        const stored = kdfFromRecord(row.kdf);
        secret = await unwrapSecret(
          fromRecord(row.wrapped),
          await deriveWrappingKey(passphrase, stored),
          aad,
        );
      } catch (error) {
        if (!(error instanceof WrongSecretError)) throw error;
      }
      if (secret === undefined) return this.#wrongPassphrase(userId);
      let cipher: RecordCipher;
      try {
        if (row.kdf.iterations < this.#kdfIterations) {
          // Wrapped under an older, cheaper policy: re-wrap at today's (auto-rewrap).
          await db.updateUser(userId, await this.#wrapForPassphrase(secret, passphrase, aad));
        }
        cipher = await RecordCipher.fromSecret(secret);
      } finally {
        wipeBytes(secret);
      }
      await this.#changeCounters(userId, afterPassphraseSuccess, (stored) => ({
        ...stored,
        lastUnlockAt: this.#now(),
      }));
      const hasPin = (await this.#openPrivate(cipher, userId, row)).pin !== undefined;
      this.#audit('unlock', 'success', userId, { method: 'passphrase' });
      await this.#install(userId, cipher, hasPin);
      return ok(undefined);
    });
  }

  async #wrongPassphrase(userId: string): Promise<Result<void, AuthError>> {
    let outcome: PassphraseFailureOutcome | undefined;
    await this.#changeCounters(
      userId,
      (stored) => (outcome = afterWrongPassphrase(stored)).counters,
      (row) => (outcome?.type === 'forget-key' ? forgetKey(row) : row),
    );
    if (outcome === undefined) return fail('unknown_user');
    this.#audit('unlock_failed', 'failure', userId, {
      method: 'passphrase',
      failures: outcome.counters.passphraseFailures,
    });
    if (outcome.type === 'forget-key') {
      await this.#reload();
      return fail(
        'sign_in_required',
        {},
        'Too many wrong passwords: this tablet forgot your key. Sign in again while connected.',
      );
    }
    return fail('wrong_passphrase', {
      field: 'passphrase',
      attemptsLeft: outcome.attemptsLeft,
      ...(outcome.counters.passphraseBlockRemainingMs > 0 && {
        retryAfterMs: outcome.counters.passphraseBlockRemainingMs,
      }),
    });
  }

  // ---------------------------------------------------------------------------
  // Lock, switch, sign out

  /** Hides the screens (idle, or the Lock button); the key stays, the PIN reopens. */
  lock(reason: 'idle' | 'button' = 'button'): void {
    if (this.state !== 'unlocked') return;
    this.state = 'locked';
    this.#audit('lock', 'success', this.current?.userId ?? null, { reason });
    this.#inBackground(this.#emit({ type: 'locked' }));
  }

  /** Drops the key and the access token: the next user picks their name (state `locked`). */
  switchUser(): void {
    const leaving = this.current?.userId ?? null;
    if (leaving !== null) this.#audit('user_switch', 'success', leaving);
    this.#inBackground(this.#dropKey('switch_user'));
  }

  /**
   * Signs the current user out: their session ends on the server (when online),
   * and their tokens and wrapped key are removed from this tablet. The records stay.
   */
  signOut(): Promise<void> {
    return this.#exclusive(async () => {
      const user = this.current;
      if (user === undefined) return;
      if (this.keyInMemory) await this.#emit({ type: 'signing-out', userId: user.userId });
      const access = this.#access?.userId === user.userId ? this.#access : undefined;
      await this.#dropKey('sign_out');
      if (access !== undefined) await this.#server.signOut(access.token).catch(() => undefined); // offline: it expires
      await this.#database.deleteUser(user.userId);
      this.#counters.delete(user.userId);
      await this.#reload();
      this.state = this.#restingState();
    });
  }

  /** The key leaves memory (already gone when listeners hear `closing`). */
  async #dropKey(reason: KeyDropReason, notice?: VaultNotice): Promise<void> {
    const hadKey = this.keyInMemory;
    this.cipher = undefined;
    this.keyInMemory = false;
    this.#access = undefined;
    this.needsPin = false;
    this.current = undefined;
    if (notice !== undefined) this.notice = notice;
    if (this.state === 'unlocked' || this.state === 'locked') this.state = this.#restingState();
    if (hadKey) await this.#emit({ type: 'closing', reason });
  }

  // ---------------------------------------------------------------------------
  // The API as the current user

  /**
   * `fetch` for the API as the current user: `Authorization: Bearer`, refreshed
   * ahead of expiry and once more (then retried) on `401 token_expired`. The body
   * must be re-sendable (a string or bytes, not a stream). A network failure
   * rejects, like `fetch`. Without a signed-in user with the key in memory it
   * answers `401 signed_out` itself.
   */
  async api(path: string, init: RequestInit = {}): Promise<Response> {
    const user = this.current;
    if (user === undefined || !this.keyInMemory)
      return syntheticError(401, 'signed_out', 'Nobody is signed in on this tablet.');
    const userId = user.userId;
    const first = await this.#accessToken(userId);
    if (!first.ok) return first.response;
    let response = await this.#fetch(`${this.#baseUrl}${path}`, withBearer(init, first.token));
    if (response.status !== 401) return response;
    let failure = await failureOf(response);
    if (REFRESHABLE.has(failure.code)) {
      const again = await this.#refreshAccess(userId, first.token);
      if (!again.ok) return again.response;
      response = await this.#fetch(`${this.#baseUrl}${path}`, withBearer(init, again.token));
      if (response.status !== 401) return response;
      failure = await failureOf(response);
    }
    this.#onAuthFailure(userId, failure.code);
    return response;
  }

  /** Checks the current session with the server (e.g. after a live close 4410). */
  async checkSession(): Promise<void> {
    try {
      await this.api('/api/me');
    } catch {
      // offline: nothing to learn
    }
  }

  async #accessToken(userId: string): Promise<TokenResult> {
    const access = this.#access;
    if (
      access !== undefined &&
      access.userId === userId &&
      this.#mono() < access.expiresAtMono - REFRESH_EARLY_MS
    )
      return { ok: true, token: access.token };
    return this.#refreshAccess(userId, access?.token);
  }

  /** One refresh at a time; a caller holding a token already replaced gets the new one. */
  #refreshAccess(userId: string, stale: string | undefined): Promise<TokenResult> {
    const access = this.#access;
    if (access !== undefined && access.userId === userId && access.token !== stale)
      return Promise.resolve({ ok: true, token: access.token });
    this.#refreshing ??= this.#withRefreshLock(userId, () => this.#refresh(userId)).finally(
      () => (this.#refreshing = undefined),
    );
    return this.#refreshing;
  }

  #withRefreshLock<T>(userId: string, work: () => Promise<T>): Promise<T> {
    const locks =
      this.#options.locks !== undefined
        ? this.#options.locks
        : typeof navigator !== 'undefined' && 'locks' in navigator
          ? navigator.locks
          : null;
    if (locks === null) return work();
    // Across tabs: the token is read inside the lock, so each refresh uses the latest one.
    return locks.request(`outpost-refresh-${userId}`, work) as Promise<T>;
  }

  /**
   * Rotation (docs/security.md, refresh): the new refresh token is sealed and
   * committed to the tablet database before the new access token is used; if that
   * write fails the access token is not used (the old refresh token still works
   * for 30 s on the server, so a retry recovers).
   */
  async #refresh(userId: string): Promise<TokenResult> {
    const cipher = this.cipher;
    const device = this.#deviceRow;
    if (cipher === undefined || device === undefined)
      return {
        ok: false,
        response: syntheticError(401, 'signed_out', 'Nobody is signed in on this tablet.'),
      };
    const db = this.#database;
    const row = await db.user(userId);
    const current = await this.#openPrivate(cipher, userId, row);
    if (current.refreshToken === undefined) {
      // Unlocked offline, but this tablet holds no usable sign-in for the server: say so.
      this.notice = { ...authError('sign_in_required', MESSAGES.sign_in_required), userId };
      return {
        ok: false,
        response: syntheticError(401, 'sign_in_required', MESSAGES.sign_in_required),
      };
    }
    const answer = await this.#server.refresh(device, current.refreshToken); // offline: rejects
    if (!answer.ok) {
      if (answer.status === 401) this.#onAuthFailure(userId, answer.code);
      return {
        ok: false,
        response: syntheticError(answer.status, answer.code, answer.message),
      };
    }
    const sealed = await cipher.sealJson(privateAad(userId), {
      ...current,
      refreshToken: answer.value.refreshToken,
    } satisfies UserPrivate);
    await db.updateUser(userId, { sealedPrivate: toRecord(sealed) });
    if (this.cipher !== cipher || this.current?.userId !== userId)
      return {
        ok: false,
        response: syntheticError(401, 'signed_out', 'The user changed during the refresh.'),
      };
    this.#access = {
      userId,
      token: answer.value.accessToken,
      expiresAtMono: this.#mono() + answer.value.expiresIn * 1000,
    };
    return { ok: true, token: answer.value.accessToken };
  }

  /** What a 401 means for the tablet. */
  #onAuthFailure(userId: string, code: string): void {
    if (code === 'device_revoked') this.#inBackground(this.#revoke());
    else if (SESSION_ENDING.has(code)) this.#inBackground(this.#endSession(userId, code));
  }

  /**
   * The server ended this user's session: their tokens and wrapped key leave the
   * tablet (online sign-in again; the records stay), and their key leaves memory.
   */
  async #endSession(userId: string, code: string): Promise<void> {
    const row = await this.#database.user(userId);
    if (row !== undefined) await this.#database.putUser(forgetKey(row));
    const notice: VaultNotice =
      code === 'user_disabled'
        ? { ...authError('user_disabled', MESSAGES.user_disabled), userId }
        : { ...authError('session_ended', MESSAGES.session_ended), userId };
    if (this.current?.userId === userId) await this.#dropKey('session_ended', notice);
    else this.notice = notice;
    await this.#reload();
    if (this.state !== 'wiped' && this.state !== 'error') this.state = this.#restingState();
  }

  // ---------------------------------------------------------------------------
  // Audit

  /** Queues a tablet audit event (sent after the next sync with `flushAudit`). */
  audit(
    action: TabletAuditAction,
    event: {
      readonly outcome?: AuditQueueRecord['outcome'];
      readonly docId?: string | null;
      readonly details?: Readonly<Record<string, string | number | boolean>>;
    } = {},
  ): void {
    this.#audit(
      action,
      event.outcome ?? 'success',
      this.current?.userId ?? null,
      event.details,
      event.docId ?? null,
    );
  }

  /** A record was opened on screen (`record.open`). */
  recordOpened(docId: string): void {
    this.audit('record.open', { docId });
  }

  #audit(
    action: TabletAuditAction,
    outcome: AuditQueueRecord['outcome'],
    userId: string | null,
    details?: Readonly<Record<string, string | number | boolean>>,
    docId: string | null = null,
  ): void {
    const db = this.#db;
    if (db === undefined) return;
    const write = db.queueAudit([
      {
        action,
        outcome,
        userId,
        docId,
        deviceTime: this.#now(),
        ...(details !== undefined && { details }),
      },
    ]);
    this.#auditWrites.add(write);
    void write.catch(() => undefined).finally(() => this.#auditWrites.delete(write));
    this.#inBackground(write);
  }

  /**
   * Posts queued audit events with the device credentials, oldest first, 500 per
   * request; each batch is deleted only after the server's 200 (a lost answer
   * means the batch is sent again and stored twice: the server's idempotency is
   * a follow-up). Stops at the first failure; call again after the next sync.
   */
  flushAudit(): Promise<void> {
    this.#flushing ??= this.#flushAudit().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #flushAudit(): Promise<void> {
    await Promise.allSettled([...this.#auditWrites]);
    const device = this.#deviceRow;
    const db = this.#db;
    if (device === undefined || db === undefined) return;
    for (;;) {
      const batch = await db.queuedAudit(AUDIT_BATCH);
      if (batch.length === 0) return;
      let answer;
      try {
        answer = await this.#server.auditEvents(device, batch);
      } catch {
        return; // offline: next time
      }
      if (!answer.ok) {
        if (answer.code === 'device_revoked') this.#inBackground(this.#revoke());
        return;
      }
      await db.dropAudit(batch.map((event) => event.id!));
    }
  }

  // ---------------------------------------------------------------------------
  // Revocation

  /** The device credentials (for the revoked tablet's last push), if enrolled. */
  deviceHeaders(): Record<string, string> | undefined {
    return this.#deviceRow === undefined ? undefined : deviceHeaders(this.#deviceRow);
  }

  #revoke(): Promise<void> {
    this.#revoking ??= this.#eraseRevoked().then(() => {
      // Deferred until someone unlocks: the next contact must be able to try again.
      if (this.notice?.code === 'device_revoked_pending') this.#revoking = undefined;
    });
    return this.#revoking;
  }

  /**
   * A revoked device: listeners push the outbox once with the device headers (the
   * server quarantines it) and close the store; a `wipe` event is queued and sent
   * if the server still takes it; then every Outpost database on the tablet is
   * deleted. Without the key in memory the outbox cannot be read: the erase
   * waits until someone unlocks (docs/security.md); a tablet nobody ever signed
   * in on is erased at once.
   */
  async #eraseRevoked(): Promise<void> {
    const device = this.#deviceRow;
    if (device === undefined) return;
    const hadKey = this.keyInMemory;
    // Without a key the unsynced work cannot be read, so it could not be handed
    // over: wait until someone who can unlock does (the next server contact
    // then finds the revocation again, with the key in memory).
    if (!hadKey && this.users.some((user) => !user.signInRequired)) {
      this.notice = authError('device_revoked_pending', MESSAGES.device_revoked_pending);
      return;
    }
    const notice = authError('device_revoked', MESSAGES.device_revoked);
    this.notice = notice;
    if (hadKey) await this.#emit({ type: 'revoked' });
    this.#audit('wipe', 'success', this.current?.userId ?? null, {
      reason: 'device_revoked',
      outboxPushed: hadKey,
    });
    await this.flushAudit().catch(() => undefined);
    this.cipher = undefined;
    this.keyInMemory = false;
    this.#access = undefined;
    this.current = undefined;
    this.needsPin = false;
    if (hadKey) await this.#emit({ type: 'closing', reason: 'revoked' });
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#db?.close();
    this.#db = undefined;
    try {
      await eraseTabletData({ ...this.#options.tabletDb, clinicIds: [device.clinicId] });
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.state = 'error';
      return;
    }
    this.#deviceRow = undefined;
    this.device = undefined;
    this.users = [];
    this.#counters.clear();
    this.#publishBlocks();
    this.state = 'wiped';
    await this.#emit({ type: 'wiped' });
  }
}

/** A user row without anything that unlocks or signs in: tokens, PIN and wrapped key gone. */
function forgetKey(row: UserRecord): UserRecord {
  const { wrapped: _wrapped, kdf: _kdf, sealedPrivate: _sealed, ...rest } = row;
  return rest;
}

/** WebCrypto exists only in secure contexts (https, localhost). */
function cryptoAvailable(): boolean {
  return typeof globalThis.crypto?.subtle?.deriveKey === 'function';
}

function retryOf(answer: ServerFailure): Pick<AuthError, 'retryAfterMs'> {
  return answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs };
}

/** The app's vault: the only holder of the key in memory. */
export const vault = new Vault();
