import { describe, expect, test } from 'vitest';
import {
  DecryptionError,
  KDF_POLICY,
  PIN_ITERATIONS,
  RecordCipher,
  WrongSecretError,
  clinicSecretAad,
  constantTimeEqual,
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
  type SealedBytes,
} from './crypto';

const CLINIC = '0190a000-0000-7000-8000-00000000c1c1';
const USER = '0190a000-0000-7000-8000-0000000000a1';
const encode = (text: string) => new TextEncoder().encode(text);
/** Fast parameters for tests that are not about the iteration count. */
const FAST = () => newKdfParams(1_000);

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index]! ^= 0x01;
  return copy;
}

describe('wrapping the clinic secret', () => {
  test('a secret wrapped at policy unwraps with the same passphrase; params are stored', async () => {
    const secret = newSecret();
    const aad = clinicSecretAad(CLINIC, USER);
    const key = await deriveWrappingKey('correct horse battery staple');
    expect(key.params).toMatchObject({ alg: 'PBKDF2-SHA256', iterations: 600_000 });
    expect(key.params.salt).toHaveLength(16);
    expect(key.belowPolicy).toBe(false);
    const wrapped = await wrapSecret(secret, key, aad);
    expect(wrapped.iv).toHaveLength(12);
    expect(wrapped.ct).toHaveLength(32 + 16);

    const again = await deriveWrappingKey('correct horse battery staple', key.params);
    expect(await unwrapSecret(wrapped, again, aad)).toEqual(secret);
  });

  test('C06 the policy floor is 600 000 PBKDF2-SHA256 iterations with a 16-byte salt', () => {
    expect(KDF_POLICY).toEqual({ alg: 'PBKDF2-SHA256', iterations: 600_000, saltBytes: 16 });
    expect(newKdfParams().iterations).toBe(600_000);
  });

  test('a wrong passphrase is WrongSecretError', async () => {
    const params = FAST();
    const wrapped = await wrapSecret(
      newSecret(),
      await deriveWrappingKey('right', params),
      clinicSecretAad(CLINIC, USER),
    );
    await expect(
      unwrapSecret(
        wrapped,
        await deriveWrappingKey('wrong', params),
        clinicSecretAad(CLINIC, USER),
      ),
    ).rejects.toBeInstanceOf(WrongSecretError);
  });

  test('a wrapping moved to another user or clinic (AAD) or altered does not unwrap', async () => {
    const params = FAST();
    const key = await deriveWrappingKey('right', params);
    const wrapped = await wrapSecret(newSecret(), key, clinicSecretAad(CLINIC, USER));
    await expect(
      unwrapSecret(wrapped, key, clinicSecretAad(CLINIC, 'someone-else')),
    ).rejects.toBeInstanceOf(WrongSecretError);
    await expect(
      unwrapSecret(wrapped, key, clinicSecretAad('another-clinic', USER)),
    ).rejects.toBeInstanceOf(WrongSecretError);
    await expect(
      unwrapSecret({ ...wrapped, ct: flipBit(wrapped.ct, 3) }, key, clinicSecretAad(CLINIC, USER)),
    ).rejects.toBeInstanceOf(WrongSecretError);
  });

  test('parameters below policy still unwrap and are reported, so the caller re-wraps at policy', async () => {
    const secret = newSecret();
    const aad = clinicSecretAad(CLINIC, USER);
    const old = await deriveWrappingKey('pass', newKdfParams(100_000));
    expect(old.belowPolicy).toBe(true);
    const wrapped = await wrapSecret(secret, old, aad);
    const unlocked = await deriveWrappingKey('pass', old.params);
    expect(unlocked.belowPolicy).toBe(true);
    expect(await unwrapSecret(wrapped, unlocked, aad)).toEqual(secret);
  });

  test('malformed stored parameters are refused like a wrong passphrase', async () => {
    const good = FAST();
    await expect(deriveWrappingKey('pass', { ...good, iterations: 1e12 })).rejects.toBeInstanceOf(
      WrongSecretError,
    );
    await expect(
      deriveWrappingKey('pass', { ...good, salt: new Uint8Array(4) }),
    ).rejects.toBeInstanceOf(WrongSecretError);
  });

  test('the device key wraps its own copy; a different device key does not open it', async () => {
    const secret = newSecret();
    const aad = clinicSecretAad(CLINIC, 'device');
    const deviceKey = newSecret();
    const wrapped = await wrapSecret(secret, await deviceWrappingKey(deviceKey), aad);
    expect(await unwrapSecret(wrapped, await deviceWrappingKey(deviceKey), aad)).toEqual(secret);
    await expect(
      unwrapSecret(wrapped, await deviceWrappingKey(newSecret()), aad),
    ).rejects.toBeInstanceOf(WrongSecretError);
  });

  test('the passphrase is NFC-normalised: composed and decomposed accents give one key', async () => {
    const params = FAST();
    const aad = clinicSecretAad(CLINIC, USER);
    const secret = newSecret();
    const wrapped = await wrapSecret(secret, await deriveWrappingKey('Zo\u00e9', params), aad);
    expect(await unwrapSecret(wrapped, await deriveWrappingKey('Zoe\u0301', params), aad)).toEqual(
      secret,
    );
  });
});

describe('the record cipher (C05)', () => {
  test('bytes and JSON round-trip; the AAD is bound', async () => {
    const cipher = await RecordCipher.fromSecret(newSecret());
    const bytes = encode('Amina Testcase, Fictionville');
    const sealed = await cipher.seal('db|patients|p1', bytes);
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.ct).toHaveLength(bytes.length + 16);
    expect(await cipher.open('db|patients|p1', sealed)).toEqual(bytes);
    const value = { name: 'Amina', visits: [1, 2, 3], nested: { ok: true } };
    expect(await cipher.openJson('db|meta|x', await cipher.sealJson('db|meta|x', value))).toEqual(
      value,
    );
  });

  test('one flipped bit anywhere (IV, ciphertext or tag) is DecryptionError', async () => {
    const cipher = await RecordCipher.fromSecret(newSecret());
    const sealed = await cipher.seal('db|documents|d1', encode('state bytes of a record'));
    const cases: SealedBytes[] = [
      { ...sealed, iv: flipBit(sealed.iv, 0) },
      { ...sealed, ct: flipBit(sealed.ct, 0) },
      { ...sealed, ct: flipBit(sealed.ct, sealed.ct.length - 1) },
      { ...sealed, ct: sealed.ct.subarray(0, sealed.ct.length - 1) },
    ];
    for (const tampered of cases)
      await expect(cipher.open('db|documents|d1', tampered)).rejects.toBeInstanceOf(
        DecryptionError,
      );
  });

  test('ciphertexts swapped between two record ids are DecryptionError', async () => {
    const cipher = await RecordCipher.fromSecret(newSecret());
    const a = await cipher.seal('db|patients|patient/a', encode('record of A'));
    const b = await cipher.seal('db|patients|patient/b', encode('record of B'));
    await expect(cipher.open('db|patients|patient/a', b)).rejects.toBeInstanceOf(DecryptionError);
    await expect(cipher.open('db|patients|patient/b', a)).rejects.toBeInstanceOf(DecryptionError);
    // …and between tables or databases.
    await expect(cipher.open('db|consults|patient/a', a)).rejects.toBeInstanceOf(DecryptionError);
    await expect(cipher.open('other|patients|patient/a', a)).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  test('another clinic secret cannot open a record', async () => {
    const mine = await RecordCipher.fromSecret(newSecret());
    const theirs = await RecordCipher.fromSecret(newSecret());
    const sealed = await mine.seal('db|meta|sync', encode('cursor'));
    await expect(theirs.open('db|meta|sync', sealed)).rejects.toBeInstanceOf(DecryptionError);
  });

  test('no IV repeats over 100 000 seals', { timeout: 60_000 }, async () => {
    const cipher = await RecordCipher.fromSecret(newSecret());
    const seen = new Set<string>();
    const payload = encode('x');
    for (let batch = 0; batch < 100; batch++) {
      const sealed = await Promise.all(
        Array.from({ length: 1000 }, () => cipher.seal('db|outbox|d', payload)),
      );
      for (const { iv } of sealed) seen.add(toBase64Url(iv));
    }
    expect(seen.size).toBe(100_000);
  });

  test('the record and index keys are derived non-extractable, for their use only', async () => {
    const cipher = await RecordCipher.fromSecret(newSecret());
    const { record, index } = cipher.keys;
    expect(record.extractable).toBe(false);
    expect(index.extractable).toBe(false);
    expect(record.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect(index.algorithm).toMatchObject({ name: 'HMAC', hash: { name: 'SHA-256' } });
    expect([...record.usages].sort()).toEqual(['decrypt', 'encrypt']);
    expect(index.usages).toEqual(['sign']);
    await expect(crypto.subtle.exportKey('raw', record)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('raw', index)).rejects.toThrow();
    const wrapping = await deriveWrappingKey('pass', FAST());
    expect(wrapping.key.extractable).toBe(false);
  });

  test('index tokens: deterministic per clinic, 16 bytes base64url, not the word', async () => {
    const secret = newSecret();
    const cipher = await RecordCipher.fromSecret(secret);
    const same = await RecordCipher.fromSecret(new Uint8Array(secret));
    const other = await RecordCipher.fromSecret(newSecret());
    const token = await cipher.indexToken('ami');
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fromBase64Url(token)).toHaveLength(16);
    expect(await same.indexToken('ami')).toBe(token);
    expect(await cipher.indexToken('amu')).not.toBe(token);
    expect(await other.indexToken('ami')).not.toBe(token);
  });

  test('the caller can wipe the secret once the cipher is made; the cipher keeps working', async () => {
    const secret = newSecret();
    const cipher = await RecordCipher.fromSecret(secret);
    wipeBytes(secret);
    expect(secret.every((byte) => byte === 0)).toBe(true);
    const sealed = await cipher.seal('db|t|k', encode('still works'));
    expect(await cipher.open('db|t|k', sealed)).toEqual(encode('still works'));
  });
});

describe('the PIN verifier', () => {
  test('PBKDF2 100 000 with a random salt; the same PIN verifies, another does not', async () => {
    const verifier = await pinVerifier('482913');
    expect(verifier.iterations).toBe(PIN_ITERATIONS);
    expect(PIN_ITERATIONS).toBe(100_000);
    expect(verifier.salt).toHaveLength(16);
    expect(verifier.hash).toHaveLength(32);
    expect(await verifyPin('482913', verifier)).toBe(true);
    expect(await verifyPin('482914', verifier)).toBe(false);
    const again = await pinVerifier('482913', verifier.salt);
    expect(again.hash).toEqual(verifier.hash);
    expect((await pinVerifier('482913')).hash).not.toEqual(verifier.hash);
  });

  test('constant-time comparison compares every byte and the length', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

test('base64url round-trips any bytes', () => {
  for (const length of [0, 1, 2, 3, 31, 32, 33, 65_536]) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
    expect(fromBase64Url(text)).toEqual(bytes);
  }
  expect(() => fromBase64Url('not base64!')).toThrow();
});
