/**
 * The tablet's cryptography, on WebCrypto only (browsers and Node ≥ 20 through
 * `globalThis.crypto`; no dependency). Key hierarchy (docs/security.md,
 * "Encryption at rest on the tablet"):
 *
 *   clinic secret (32 random bytes, one per clinic database on this tablet)
 *     ├─ wrapped for each user: AES-GCM under PBKDF2-SHA256(passphrase, salt, ≥ 600 000)
 *     ├─ wrapped for the device: AES-GCM under HKDF(server-escrowed device key)
 *     └─ HKDF-SHA256 ─┬─ record key: AES-GCM-256, seals every stored record
 *                     └─ index key: HMAC-SHA256, keyed hashes for the few searchable tokens
 *
 * Contracts:
 * - Derived keys are imported non-extractable: once a `RecordCipher` exists,
 *   script can use the keys but never read them. The raw secret lives only in
 *   the `Uint8Array` the caller holds while wrapping or unwrapping; the caller
 *   zeroes it afterwards (`wipeBytes`).
 * - Every seal draws a fresh random 96-bit IV (never a counter: several tabs
 *   write with the same key) and binds its context through AAD, so a ciphertext
 *   moved to another row, table, clinic or user does not open.
 * - Failures are typed: a wrong passphrase or device key, or an altered
 *   wrapping, is `WrongSecretError`; a tampered or swapped record is
 *   `DecryptionError`. Neither says which byte was wrong.
 */

/** Key-derivation policy for passphrase wrapping (research row C06: PBKDF2-SHA256 ≥ 600 000). */
export const KDF_POLICY = {
  alg: 'PBKDF2-SHA256',
  iterations: 600_000,
  saltBytes: 16,
} as const;

/** PBKDF2 iterations of a PIN verifier: it is sealed with the record key, so only checkable unlocked. */
export const PIN_ITERATIONS = 100_000;

/** Stored iteration counts above this are refused (a tampered count must not hang the tablet). */
const MAX_ITERATIONS = 10_000_000;
export const SECRET_BYTES = 32;
const IV_BYTES = 12;
const TOKEN_BYTES = 16;

/** HKDF `info` strings: one per derived key, never reused for anything else. */
const INFO = {
  record: 'outpost/v1/record-key/aes-gcm-256',
  index: 'outpost/v1/index-key/hmac-sha256',
  device: 'outpost/v1/device-wrapping-key/aes-gcm-256',
} as const;
const HKDF_SALT = 'outpost/v1/hkdf-salt';

/** PBKDF2 parameters stored beside a passphrase-wrapped secret. */
export interface KdfParams {
  readonly alg: 'PBKDF2-SHA256';
  readonly iterations: number;
  readonly salt: Uint8Array;
}

/** A key that wraps the clinic secret, with the parameters it came from. */
export interface WrappingKey {
  readonly key: CryptoKey;
  /** Undefined for the device key (no passphrase). */
  readonly params?: KdfParams;
  /** Derived with fewer iterations than `KDF_POLICY`: re-wrap with `newKdfParams()` after unlocking. */
  readonly belowPolicy: boolean;
}

/** AES-GCM output: a 12-byte IV and the ciphertext with its 16-byte tag. */
export interface SealedBytes {
  readonly iv: Uint8Array;
  readonly ct: Uint8Array;
}

/** The clinic secret wrapped under a passphrase-derived or device key. */
export type WrappedSecret = SealedBytes;

export interface PinVerifier {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
  readonly iterations: number;
}

/** The passphrase (or device key) does not open this wrapped secret, or the wrapping was altered. */
export class WrongSecretError extends Error {
  constructor(
    message = 'The passphrase does not unlock this tablet.',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WrongSecretError';
  }
}

/** A sealed record did not open: altered, truncated, or moved from another row (its AAD). */
export class DecryptionError extends Error {
  /** The AAD the record was opened with (table and key: no patient data). */
  readonly context: string;
  constructor(context: string, options?: { cause?: unknown }) {
    super(`A stored record could not be decrypted (${context}): it was altered or moved.`, options);
    this.name = 'DecryptionError';
    this.context = context;
  }
}

const subtle = (): SubtleCrypto => {
  const api = globalThis.crypto?.subtle;
  if (api === undefined)
    throw new Error('WebCrypto is not available (a secure context is needed).');
  return api;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes as an ArrayBuffer-backed view (what WebCrypto's types accept), copying only if needed. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** A new clinic secret: 32 bytes from the platform CSPRNG. */
export function newSecret(): Uint8Array<ArrayBuffer> {
  return randomBytes(SECRET_BYTES);
}

/** Overwrites secret bytes in place (best effort: JS may have copied them before). */
export function wipeBytes(bytes: Uint8Array): void {
  bytes.fill(0);
}

// ---------------------------------------------------------------------------
// Wrapping the clinic secret

/** Fresh parameters at policy: a new random salt. */
export function newKdfParams(iterations: number = KDF_POLICY.iterations): KdfParams {
  return { alg: 'PBKDF2-SHA256', iterations, salt: randomBytes(KDF_POLICY.saltBytes) };
}

export function isBelowPolicy(params: KdfParams): boolean {
  return params.iterations < KDF_POLICY.iterations;
}

/** The AAD of a wrapped clinic secret: for a user, or `'device'` for the device copy. */
export function clinicSecretAad(clinicId: string, holder: string): string {
  return `outpost/clinic-secret|${clinicId}|${holder}`;
}

/**
 * Derives the key that wraps the clinic secret for one user from their
 * passphrase (NFC-normalised, so the same typed text always gives the same key).
 * Stored parameters below policy still derive (and are reported `belowPolicy`);
 * malformed ones throw `WrongSecretError`, as a wrong passphrase would.
 */
export async function deriveWrappingKey(
  passphrase: string,
  params: KdfParams = newKdfParams(),
): Promise<WrappingKey & { readonly params: KdfParams }> {
  if (
    params.alg !== 'PBKDF2-SHA256' ||
    !Number.isSafeInteger(params.iterations) ||
    params.iterations < 1 ||
    params.iterations > MAX_ITERATIONS ||
    params.salt.length < KDF_POLICY.saltBytes
  )
    throw new WrongSecretError('The stored key parameters are not valid.');
  const material = await subtle().importKey(
    'raw',
    encoder.encode(passphrase.normalize('NFC')),
    'PBKDF2',
    false,
    ['deriveKey'],
  );
  const key = await subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buffer(params.salt), iterations: params.iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  return { key, params, belowPolicy: isBelowPolicy(params) };
}

/**
 * The key that wraps the device's copy of the clinic secret, from the 32-byte
 * device key the server returns at sign-in (HKDF, so that key is used for
 * nothing else).
 */
export async function deviceWrappingKey(deviceKey: Uint8Array): Promise<WrappingKey> {
  if (deviceKey.length !== 32) throw new WrongSecretError('The device key is not 32 bytes.');
  const material = await subtle().importKey('raw', buffer(deviceKey), 'HKDF', false, ['deriveKey']);
  const key = await subtle().deriveKey(
    hkdf(INFO.device),
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  return { key, belowPolicy: false };
}

/** Wraps the 32-byte clinic secret; `aad` from `clinicSecretAad`. */
export async function wrapSecret(
  secret: Uint8Array,
  wrapping: WrappingKey,
  aad: string,
): Promise<WrappedSecret> {
  if (secret.length !== SECRET_BYTES) throw new Error('A clinic secret is 32 bytes.');
  return aesSeal(wrapping.key, aad, secret);
}

/** Unwraps the clinic secret; `WrongSecretError` for a wrong key or an altered wrapping. */
export async function unwrapSecret(
  wrapped: WrappedSecret,
  wrapping: WrappingKey,
  aad: string,
): Promise<Uint8Array<ArrayBuffer>> {
  let secret: Uint8Array<ArrayBuffer>;
  try {
    secret = await aesOpen(wrapping.key, aad, wrapped);
  } catch (error) {
    throw new WrongSecretError(undefined, { cause: error });
  }
  if (secret.length !== SECRET_BYTES) {
    wipeBytes(secret);
    throw new WrongSecretError('The unwrapped secret has the wrong length.');
  }
  return secret;
}

// ---------------------------------------------------------------------------
// Records

/**
 * Seals and opens stored records with the clinic's record key and computes
 * keyed index tokens with its index key. Holds no raw key material.
 */
export class RecordCipher {
  readonly #recordKey: CryptoKey;
  readonly #indexKey: CryptoKey;

  private constructor(recordKey: CryptoKey, indexKey: CryptoKey) {
    this.#recordKey = recordKey;
    this.#indexKey = indexKey;
  }

  /**
   * Derives both keys from the clinic secret (HKDF-SHA256, distinct `info`).
   * The caller still owns `secret` and should wipe it once done with it.
   */
  static async fromSecret(secret: Uint8Array): Promise<RecordCipher> {
    if (secret.length !== SECRET_BYTES) throw new Error('A clinic secret is 32 bytes.');
    const material = await subtle().importKey('raw', buffer(secret), 'HKDF', false, ['deriveKey']);
    const [recordKey, indexKey] = await Promise.all([
      subtle().deriveKey(hkdf(INFO.record), material, { name: 'AES-GCM', length: 256 }, false, [
        'encrypt',
        'decrypt',
      ]),
      subtle().deriveKey(
        hkdf(INFO.index),
        material,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      ),
    ]);
    return new RecordCipher(recordKey, indexKey);
  }

  /** The keys (non-extractable), for inspection in tests. */
  get keys(): { readonly record: CryptoKey; readonly index: CryptoKey } {
    return { record: this.#recordKey, index: this.#indexKey };
  }

  /** AES-GCM with a fresh random IV; `aad` names where the bytes belong. */
  seal(aad: string, bytes: Uint8Array): Promise<SealedBytes> {
    return aesSeal(this.#recordKey, aad, bytes);
  }

  /** The bytes `seal` was given with the same `aad`; `DecryptionError` otherwise. */
  async open(aad: string, sealed: SealedBytes): Promise<Uint8Array<ArrayBuffer>> {
    try {
      return await aesOpen(this.#recordKey, aad, sealed);
    } catch (error) {
      throw new DecryptionError(aad, { cause: error });
    }
  }

  sealJson(aad: string, value: unknown): Promise<SealedBytes> {
    return this.seal(aad, encoder.encode(JSON.stringify(value)));
  }

  async openJson<T = unknown>(aad: string, sealed: SealedBytes): Promise<T> {
    const bytes = await this.open(aad, sealed);
    try {
      return JSON.parse(decoder.decode(bytes)) as T;
    } catch (error) {
      throw new DecryptionError(aad, { cause: error });
    }
  }

  /**
   * A keyed hash of `word` (HMAC-SHA256 under the index key, first 16 bytes,
   * base64url): equal words give equal tokens, and without the key a token
   * cannot be tested against a guess.
   */
  async indexToken(word: string): Promise<string> {
    const mac = await subtle().sign('HMAC', this.#indexKey, encoder.encode(word));
    return toBase64Url(new Uint8Array(mac, 0, TOKEN_BYTES));
  }
}

// ---------------------------------------------------------------------------
// PIN verifier

/** PBKDF2-SHA256(pin, salt, 100 000), 32 bytes; a new random salt unless one is given. */
export async function pinVerifier(pin: string, salt?: Uint8Array): Promise<PinVerifier> {
  const useSalt = salt ?? randomBytes(16);
  const material = await subtle().importKey('raw', encoder.encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buffer(useSalt), iterations: PIN_ITERATIONS },
    material,
    256,
  );
  return { salt: useSalt, hash: new Uint8Array(bits), iterations: PIN_ITERATIONS };
}

/** Whether `pin` matches a stored verifier (compared in constant time). */
export async function verifyPin(pin: string, verifier: PinVerifier): Promise<boolean> {
  if (verifier.iterations !== PIN_ITERATIONS) return false;
  const candidate = await pinVerifier(pin, verifier.salt);
  return constantTimeEqual(candidate.hash, verifier.hash);
}

/** Equality whose time depends only on the lengths, not on where the bytes differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

// ---------------------------------------------------------------------------
// Encoding

/** Bytes as base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a base64url (or base64) string; throws on anything else. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text) && !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Error('Not base64url.');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// ---------------------------------------------------------------------------

function hkdf(info: string): HkdfParams {
  return {
    name: 'HKDF',
    hash: 'SHA-256',
    salt: encoder.encode(HKDF_SALT),
    info: encoder.encode(info),
  };
}

async function aesSeal(key: CryptoKey, aad: string, bytes: Uint8Array): Promise<SealedBytes> {
  const iv = randomBytes(IV_BYTES);
  const ct = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(aad) },
    key,
    buffer(bytes),
  );
  return { iv, ct: new Uint8Array(ct) };
}

async function aesOpen(
  key: CryptoKey,
  aad: string,
  sealed: SealedBytes,
): Promise<Uint8Array<ArrayBuffer>> {
  if (sealed.iv.length !== IV_BYTES) throw new Error('bad IV length');
  const plain = await subtle().decrypt(
    { name: 'AES-GCM', iv: buffer(sealed.iv), additionalData: encoder.encode(aad) },
    key,
    buffer(sealed.ct),
  );
  return new Uint8Array(plain);
}
