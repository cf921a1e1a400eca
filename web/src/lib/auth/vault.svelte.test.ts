/**
 * The vault against a fake identity server (testing.ts) and fake-indexeddb:
 * enrollment, two users on one tablet, offline passphrase unlock, PIN, the
 * guessing limits (surviving a reload and clock changes), idle lock and the
 * 12-hour limit, user switch, refresh-token rotation, ended sessions and the
 * revoked tablet's erasure.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import { TabletDb, type UserRecord } from '$lib/db';
import { fromBase64Url, type RecordCipher } from '$lib/security/crypto';
import { FakeIdentityServer, manualClocks, type FakeUser } from './testing';
import { Vault, type VaultEvent } from './vault.svelte';
import { PIN_BLOCK_MS } from './throttle';

const PASSWORD_A = 'amina correct horse battery';
const PASSWORD_B = 'baraka staple paperclip';

let databaseCounter = 0;
const vaults: Vault[] = [];

afterEach(async () => {
  for (const vault of vaults.splice(0)) await vault.stop();
});

interface Tablet {
  readonly server: FakeIdentityServer;
  readonly clocks: ReturnType<typeof manualClocks>;
  readonly dbName: string;
  readonly amina: FakeUser;
  readonly baraka: FakeUser;
  /** A vault over this tablet's database (a new one = the app reloaded). */
  open(options?: { kdfIterations?: number }): Promise<Vault>;
}

function tablet(): Tablet {
  const server = new FakeIdentityServer();
  const clocks = manualClocks();
  server.now = clocks.now;
  const dbName = `outpost-tablet-test-${++databaseCounter}`;
  return {
    server,
    clocks,
    dbName,
    amina: server.addUser('amina', PASSWORD_A, { name: 'Amina (fictional)' }),
    baraka: server.addUser('baraka', PASSWORD_B, { name: 'Baraka (fictional)' }),
    async open(options = {}) {
      const vault = new Vault({
        fetch: server.fetch,
        tabletDb: { name: dbName },
        now: clocks.now,
        monotonicNow: clocks.monotonicNow,
        tickMs: 0,
        kdfIterations: options.kdfIterations ?? 1_000,
        locks: null,
      });
      vaults.push(vault);
      await vault.start();
      return vault;
    },
  };
}

async function enrolled(t: Tablet): Promise<Vault> {
  const vault = await t.open();
  expect(await vault.enroll(t.server.code(), 'Front desk tablet')).toEqual({
    ok: true,
    value: undefined,
  });
  return vault;
}

async function userRow(t: Tablet, userId: string): Promise<UserRecord | undefined> {
  const db = await TabletDb.open({ name: t.dbName });
  try {
    return await db.user(userId);
  } finally {
    db.close();
  }
}

/** Does `cipher` open what `other` sealed (the same clinic key)? */
async function sameKey(cipher: RecordCipher, other: RecordCipher): Promise<boolean> {
  const sealed = await other.sealJson('test|aad', { hello: 'clinic' });
  return cipher
    .openJson<{ hello: string }>('test|aad', sealed)
    .then((value) => value.hello === 'clinic')
    .catch(() => false);
}

describe('enrollment', () => {
  test('a code enrolls the tablet once; a wrong code and no network are told apart', async () => {
    const t = tablet();
    const vault = await t.open();
    expect(vault.state).toBe('unenrolled');
    expect(await vault.enroll('WRONG-CODE', 'Front desk')).toMatchObject({
      ok: false,
      error: { code: 'invalid_enrollment_code', field: 'code' },
    });
    expect(await vault.enroll(t.server.code(), '  ')).toMatchObject({
      ok: false,
      error: { code: 'invalid_label', field: 'label' },
    });
    t.server.online = false;
    expect(await vault.enroll(t.server.code(), 'Front desk')).toMatchObject({
      ok: false,
      error: { code: 'offline' },
    });
    t.server.online = true;
    expect((await vault.enroll(t.server.code(), 'Front desk')).ok).toBe(true);
    expect(vault.state).toBe('no-users');
    expect(vault.device).toMatchObject({
      clinicName: 'Fake Clinic (fictional)',
      label: 'Front desk',
    });
    expect(await vault.enroll(t.server.code(), 'Again')).toMatchObject({
      ok: false,
      error: { code: 'already_enrolled' },
    });
    // A reload finds it enrolled.
    expect((await t.open()).state).toBe('no-users');
  });
});

describe('two users on one tablet', () => {
  test('the first sign-in creates the clinic key; the second user gets the same key through the device copy', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    const events: VaultEvent['type'][] = [];
    vault.subscribe((event) => void events.push(event.type));

    expect(await vault.signIn('Amina', 'not it')).toMatchObject({
      ok: false,
      error: { code: 'invalid_credentials', field: 'password' },
    });
    expect((await vault.signIn('amina', PASSWORD_A)).ok).toBe(true);
    expect(vault.state).toBe('unlocked');
    expect(vault.current).toMatchObject({ userId: t.amina.id, name: 'Amina (fictional)' });
    expect(vault.keyInMemory).toBe(true);
    expect(vault.needsPin).toBe(true);
    const aminaCipher = vault.cipher!;
    expect((await vault.setPin('12a456')).ok).toBe(false);
    expect((await vault.setPin('123456')).ok).toBe(true);
    expect(vault.needsPin).toBe(false);

    vault.switchUser();
    await vault.idle();
    expect(vault.keyInMemory).toBe(false);
    expect(vault.cipher).toBeUndefined();
    expect(vault.current).toBeUndefined();
    expect(vault.state).toBe('locked');

    expect((await vault.signIn('baraka', PASSWORD_B)).ok).toBe(true);
    expect(vault.current?.userId).toBe(t.baraka.id);
    expect(await sameKey(vault.cipher!, aminaCipher)).toBe(true);
    expect(vault.users.map((user) => user.name)).toEqual([
      'Amina (fictional)',
      'Baraka (fictional)',
    ]);
    expect(events).toEqual(['unlocked', 'closing', 'unlocked']);

    // Nothing secret is stored in the clear: the wrapped key and the sealed part only.
    const row = (await userRow(t, t.amina.id))!;
    const stored = JSON.stringify(row);
    for (const token of t.server.refreshTokens.keys()) expect(stored).not.toContain(token);
    expect(stored).not.toContain(PASSWORD_A);
    expect(row.kdf).toMatchObject({ alg: 'PBKDF2-SHA256', iterations: 1_000 });
    expect(fromBase64Url(row.kdf!.salt)).toHaveLength(16);
  });

  test('offline, a user who signed in before unlocks with the passphrase after a reload; a wrong one is refused', async () => {
    const t = tablet();
    const first = await enrolled(t);
    expect((await first.signIn('amina', PASSWORD_A)).ok).toBe(true);
    const sealed = await first.cipher!.sealJson('test|aad', { hello: 'clinic' });
    expect((await first.signIn('baraka', PASSWORD_B)).ok).toBe(true);

    t.server.online = false;
    const vault = await t.open(); // the app reloaded: no key in memory
    expect(vault.state).toBe('locked');
    expect(vault.keyInMemory).toBe(false);
    expect(await vault.signIn('amina', PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'offline' },
    });
    expect(await vault.unlockWithPassphrase(t.amina.id, PASSWORD_B)).toMatchObject({
      ok: false,
      error: { code: 'wrong_passphrase', attemptsLeft: 9 },
    });
    expect(vault.keyInMemory).toBe(false);
    expect((await vault.unlockWithPassphrase(t.amina.id, PASSWORD_A)).ok).toBe(true);
    expect(vault.state).toBe('unlocked');
    expect(await vault.cipher!.openJson<{ hello: string }>('test|aad', sealed)).toEqual({
      hello: 'clinic',
    });
    expect((await vault.unlockWithPassphrase(t.baraka.id, PASSWORD_B)).ok).toBe(true);
    expect(vault.current?.userId).toBe(t.baraka.id);
  });

  test('a passphrase wrapped with fewer iterations than the policy is re-wrapped at policy on unlock', async () => {
    const t = tablet();
    const cheap = await enrolled(t);
    expect((await cheap.signIn('amina', PASSWORD_A)).ok).toBe(true);
    expect((await userRow(t, t.amina.id))!.kdf!.iterations).toBe(1_000);
    const vault = await t.open({ kdfIterations: 2_000 });
    expect((await vault.unlockWithPassphrase(t.amina.id, PASSWORD_A)).ok).toBe(true);
    expect((await userRow(t, t.amina.id))!.kdf!.iterations).toBe(2_000);
    const again = await t.open({ kdfIterations: 2_000 });
    expect((await again.unlockWithPassphrase(t.amina.id, PASSWORD_A)).ok).toBe(true);
  });
});

describe('guessing limits', () => {
  test('5 wrong PINs drop the key (passphrase needed) and block the PIN for 20 minutes', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    await vault.setPin('246810');
    vault.lock();
    expect(vault.state).toBe('locked');
    expect(vault.keyInMemory).toBe(true);
    expect((await vault.unlockWithPin('246810')).ok).toBe(true);
    vault.lock();
    for (let attempt = 1; attempt <= 4; attempt++)
      expect(await vault.unlockWithPin('000000')).toMatchObject({
        ok: false,
        error: { code: 'wrong_pin', attemptsLeft: 5 - attempt },
      });
    expect(await vault.unlockWithPin('000000')).toMatchObject({
      ok: false,
      error: { code: 'passphrase_required' },
    });
    await vault.idle();
    expect(vault.keyInMemory).toBe(false);
    expect(vault.cipher).toBeUndefined();
    expect(vault.notice).toMatchObject({ code: 'passphrase_required', userId: t.amina.id });
    expect(vault.blockedForMs(t.amina.id, 'pin')).toBe(PIN_BLOCK_MS);
    // The right PIN no longer helps: the key is gone.
    expect(await vault.unlockWithPin('246810')).toMatchObject({
      ok: false,
      error: { code: 'passphrase_required' },
    });
    // The passphrase does; the PIN stays blocked for the rest of the 20 minutes.
    expect((await vault.unlockWithPassphrase(t.amina.id, PASSWORD_A)).ok).toBe(true);
    vault.lock();
    expect(await vault.unlockWithPin('246810')).toMatchObject({
      ok: false,
      error: { code: 'blocked' },
    });
    t.clocks.advance(PIN_BLOCK_MS);
    vault.tick();
    expect(vault.blockedForMs(t.amina.id, 'pin')).toBe(0);
    expect((await vault.unlockWithPin('246810')).ok).toBe(true);
  });

  test("wrong passphrases wait 30 s doubling after the 5th; the 10th forgets that user's key (others keep theirs)", async () => {
    const t = tablet();
    const setup = await enrolled(t);
    await setup.signIn('amina', PASSWORD_A);
    await setup.signIn('baraka', PASSWORD_B);
    t.server.online = false;
    const vault = await t.open();
    const wrong = () => vault.unlockWithPassphrase(t.amina.id, 'guess');
    for (let failure = 1; failure <= 4; failure++)
      expect(await wrong()).toMatchObject({ ok: false, error: { code: 'wrong_passphrase' } });
    expect(await wrong()).toMatchObject({
      ok: false,
      error: { code: 'wrong_passphrase', retryAfterMs: 30_000, attemptsLeft: 5 },
    });
    // Blocked: even the right passphrase is not tried.
    expect(await vault.unlockWithPassphrase(t.amina.id, PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'blocked', retryAfterMs: 30_000 },
    });
    const waits = [60_000, 120_000, 240_000, 480_000];
    let block = 30_000;
    for (const next of waits) {
      t.clocks.advance(block);
      vault.tick();
      expect(await wrong()).toMatchObject({ ok: false, error: { retryAfterMs: next } });
      block = next;
    }
    t.clocks.advance(block);
    vault.tick();
    expect(await wrong()).toMatchObject({ ok: false, error: { code: 'sign_in_required' } });
    expect(vault.users.find((user) => user.userId === t.amina.id)?.signInRequired).toBe(true);
    expect((await userRow(t, t.amina.id))!.wrapped).toBeUndefined();
    expect(await vault.unlockWithPassphrase(t.amina.id, PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'sign_in_required' },
    });
    // The records stay reachable: Baraka's copy, and Amina's online sign-in through the device copy.
    expect((await vault.unlockWithPassphrase(t.baraka.id, PASSWORD_B)).ok).toBe(true);
    const barakaCipher = vault.cipher!;
    t.server.online = true;
    expect((await vault.signIn('amina', PASSWORD_A)).ok).toBe(true);
    expect(await sameKey(vault.cipher!, barakaCipher)).toBe(true);
  });

  test('a block survives a reload and the clock set back or forward: only running time counts it down', async () => {
    const t = tablet();
    const setup = await enrolled(t);
    await setup.signIn('amina', PASSWORD_A);
    const vault = await t.open();
    for (let failure = 1; failure <= 5; failure++)
      await vault.unlockWithPassphrase(t.amina.id, 'guess');
    expect(vault.blockedForMs(t.amina.id, 'passphrase')).toBe(30_000);

    t.clocks.advance(10_000);
    vault.tick(); // persisted (≥ 5 s since the last write)
    await vault.idle();
    expect(vault.blockedForMs(t.amina.id, 'passphrase')).toBe(20_000);

    // Clock set back a day, then forward a year: nothing changes.
    t.clocks.setWall(t.clocks.now() - 86_400_000);
    vault.tick();
    t.clocks.setWall(t.clocks.now() + 365 * 86_400_000);
    vault.tick();
    expect(vault.blockedForMs(t.amina.id, 'passphrase')).toBe(20_000);

    // Reload (monotonic time restarts): the stored remaining time holds.
    await vault.stop();
    t.clocks.restartMonotonic();
    const reloaded = await t.open();
    expect(reloaded.blockedForMs(t.amina.id, 'passphrase')).toBe(20_000);
    expect(await reloaded.unlockWithPassphrase(t.amina.id, PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'blocked' },
    });
    t.clocks.advance(20_000);
    reloaded.tick();
    expect(reloaded.blockedForMs(t.amina.id, 'passphrase')).toBe(0);
    expect((await reloaded.unlockWithPassphrase(t.amina.id, PASSWORD_A)).ok).toBe(true);
    expect((await userRow(t, t.amina.id))!.passphraseFailures).toBe(0);
  });
});

describe('guessing limits across tabs', () => {
  test('two tabs of the app count wrong passphrases together', async () => {
    const t = tablet();
    const setup = await enrolled(t);
    await setup.signIn('amina', PASSWORD_A);
    const tabA = await t.open();
    const tabB = await t.open();
    for (let failure = 1; failure <= 4; failure++)
      await (failure % 2 === 0 ? tabA : tabB).unlockWithPassphrase(t.amina.id, 'guess');
    expect(await tabA.unlockWithPassphrase(t.amina.id, 'guess')).toMatchObject({
      ok: false,
      error: { code: 'wrong_passphrase', retryAfterMs: 30_000, attemptsLeft: 5 },
    });
    // The other tab sees the block at its next try.
    expect(await tabB.unlockWithPassphrase(t.amina.id, PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'blocked' },
    });
  });
});

describe('locking', () => {
  test('2 minutes without input lock the screen with the key kept; 12 hours after the passphrase drop the key', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    await vault.setPin('135790');
    t.clocks.advance(100_000);
    vault.noteActivity();
    t.clocks.advance(100_000);
    vault.tick();
    expect(vault.state).toBe('unlocked');
    t.clocks.advance(20_000);
    vault.tick();
    expect(vault.state).toBe('locked');
    expect(vault.keyInMemory).toBe(true);
    expect((await vault.unlockWithPin('135790')).ok).toBe(true);

    // The PIN does not extend the 12 hours; a tablet asleep (wall clock moved alone) counts too.
    t.clocks.setWall(t.clocks.now() + 12 * 3600_000);
    vault.tick();
    await vault.idle();
    expect(vault.keyInMemory).toBe(false);
    expect(vault.notice).toMatchObject({ code: 'passphrase_expired', userId: t.amina.id });
    expect(await vault.unlockWithPin('135790')).toMatchObject({
      ok: false,
      error: { code: 'passphrase_required' },
    });
  });

  test('switch user drops the key and the access token: the API answers signed_out', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    expect((await vault.api('/api/me')).status).toBe(200);
    vault.switchUser();
    await vault.idle();
    const response = await vault.api('/api/me');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'signed_out' } });
    expect(t.server.requests.filter((r) => r.path === '/api/me')).toHaveLength(1);
  });

  test('sign out ends the session on the server and removes the user and their key from the tablet', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    await vault.signOut();
    expect(vault.state).toBe('no-users');
    expect(vault.users).toEqual([]);
    expect(await userRow(t, t.amina.id)).toBeUndefined();
    expect([...t.server.sessions.values()].every((session) => session.revoked)).toBe(true);
  });

  test('before signing out, listeners hear `signing-out` while the user may still call the server (Web Push is withdrawn)', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    const heard: string[] = [];
    vault.subscribe(async (event) => {
      if (event.type === 'signing-out') {
        const response = await vault.api('/api/me');
        heard.push(`signing-out ${event.userId} ${response.status}`);
      } else heard.push(event.type);
    });
    await vault.signOut();
    expect(heard).toEqual([`signing-out ${t.amina.id} 200`, 'closing']);
  });
});

describe('tokens', () => {
  test('an expired access token is refreshed once and the call retried; the new refresh token is stored before it is used', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    const cipher = vault.cipher!;
    const storedToken = async () => {
      const row = (await userRow(t, t.amina.id))!;
      const sealed = {
        iv: fromBase64Url(row.sealedPrivate!.iv),
        ct: fromBase64Url(row.sealedPrivate!.ct),
      };
      return (
        await cipher.openJson<{ refreshToken: string }>(
          `outpost-tablet|users|${t.amina.id}|private`,
          sealed,
        )
      ).refreshToken;
    };
    const firstRefresh = await storedToken();
    t.server.expireAccessTokens();
    const seenAtRetry: string[] = [];
    t.server.onRequest = async (request) => {
      if (
        request.path === '/api/me' &&
        t.server.requests.some((r) => r.path === '/api/auth/refresh')
      )
        seenAtRetry.push(await storedToken());
    };
    const response = await vault.api('/api/me');
    expect(response.status).toBe(200);
    const paths = t.server.requests.map((r) => r.path).slice(-3);
    expect(paths).toEqual(['/api/me', '/api/auth/refresh', '/api/me']);
    const refreshRequest = t.server.requests.find((r) => r.path === '/api/auth/refresh')!;
    expect(refreshRequest.headers.get('x-outpost-device')).toBe(vault.device!.deviceId);
    expect(JSON.parse(refreshRequest.body as string)).toEqual({ refreshToken: firstRefresh });
    const rotated = await storedToken();
    expect(rotated).not.toBe(firstRefresh);
    expect(t.server.refreshTokens.get(rotated)?.used).toBe(false);
    expect(seenAtRetry).toEqual([rotated]);
  });

  test("a reused refresh token ends the session: that user's tokens and key leave the tablet", async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    // Someone used the refresh token elsewhere: the tablet's copy is now spent.
    for (const token of t.server.refreshTokens.values()) token.used = true;
    t.server.expireAccessTokens();
    const response = await vault.api('/api/me');
    expect(response.status).toBe(401);
    await vault.idle();
    expect(vault.keyInMemory).toBe(false);
    expect(vault.notice).toMatchObject({ code: 'session_ended', userId: t.amina.id });
    expect(vault.users[0]?.signInRequired).toBe(true);
    const row = (await userRow(t, t.amina.id))!;
    expect(row.sealedPrivate).toBeUndefined();
    expect(row.wrapped).toBeUndefined();
    expect((await vault.signIn('amina', PASSWORD_A)).ok).toBe(true);
  });

  test('a disabled user is signed out of the tablet at their next request', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    t.server.users.get('amina')!.disabled = true;
    expect((await vault.api('/api/me')).status).toBe(401);
    await vault.idle();
    expect(vault.keyInMemory).toBe(false);
    expect(vault.notice).toMatchObject({ code: 'user_disabled' });
  });
});

describe('audit events', () => {
  test('queued on the tablet, posted with the device headers, deleted only after a 200', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    await vault.setPin('111111');
    vault.lock();
    await vault.unlockWithPin('999999');
    await vault.unlockWithPin('111111');
    vault.recordOpened('patient/01930000-0000-7000-8000-000000000001');
    t.server.failNext.set('/api/audit/events', 503);
    await vault.flushAudit();
    expect(t.server.audit).toEqual([]);
    await vault.flushAudit();
    expect(t.server.audit).toMatchObject([
      { action: 'lock', outcome: 'success', userId: t.amina.id, details: { reason: 'button' } },
      { action: 'unlock_failed', outcome: 'failure', details: { method: 'pin', failures: 1 } },
      { action: 'unlock', outcome: 'success', details: { method: 'pin' } },
      {
        action: 'record.open',
        docId: 'patient/01930000-0000-7000-8000-000000000001',
        userId: t.amina.id,
      },
    ]);
    const post = t.server.requests.filter((r) => r.path === '/api/audit/events').at(-1)!;
    expect(post.headers.get('x-outpost-device-secret')).toBeTruthy();
    expect(post.headers.get('authorization')).toBeNull();
    await vault.flushAudit();
    expect(t.server.audit).toHaveLength(4);
  });
});

describe('a revoked tablet', () => {
  test('gets its outbox pushed once (by the listener, with the device headers), then erases its databases', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    // A clinic database to erase, and one of another clinic left by an older setup.
    const { Dexie } = await import('dexie');
    for (const name of [`outpost-clinic-${vault.device!.clinicId}`, 'outpost-clinic-old']) {
      const db = new Dexie(name);
      db.version(1).stores({ meta: 'key' });
      await db.open();
      db.close();
    }
    const order: string[] = [];
    vault.subscribe(async (event) => {
      order.push(event.type);
      if (event.type === 'revoked') {
        expect(vault.cipher).toBeDefined(); // the outbox can still be read
        const pushed = await t.server.fetch('/api/sync', {
          method: 'POST',
          headers: vault.deviceHeaders(),
          body: new Uint8Array([1, 2, 3]),
        });
        order.push(`push ${pushed.status}`);
      }
    });
    t.server.revokeDevice(vault.device!.deviceId);
    const response = await vault.api('/api/sync', { method: 'POST', body: new Uint8Array([9]) });
    expect(response.status).toBe(401);
    await vault.idle();
    expect(order).toEqual(['revoked', 'push 401', 'closing', 'wiped']);
    expect(t.server.quarantined).toHaveLength(2); // the refused sync and the last push
    expect(vault.state).toBe('wiped');
    expect(vault.notice).toMatchObject({ code: 'device_revoked' });
    expect(vault.keyInMemory).toBe(false);
    const names = (await indexedDB.databases()).map((db) => db.name);
    expect(names).not.toContain(t.dbName);
    expect(names.filter((name) => name?.startsWith('outpost-clinic-'))).toEqual([]);
    // The next start finds a fresh tablet; or it is enrolled again without a reload.
    expect((await t.open()).state).toBe('unenrolled');
    expect((await vault.enroll(t.server.code(), 'Re-enrolled')).ok).toBe(true);
    expect(vault.state).toBe('no-users');
  });

  test('revoked while nobody is unlocked: nothing is erased until someone unlocks, then it hands over and erases', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    await vault.signIn('amina', PASSWORD_A);
    const amina = vault.current!.userId;
    vault.switchUser(); // the key leaves memory: the outbox cannot be read now
    const pushes: string[] = [];
    vault.subscribe((event) => {
      if (event.type === 'revoked') pushes.push(vault.cipher === undefined ? 'no key' : 'with key');
    });
    t.server.revokeDevice(vault.device!.deviceId);
    // A colleague trying to sign in meets the revocation first.
    expect(await vault.signIn('baraka', PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'device_revoked' },
    });
    await vault.idle();
    expect(vault.state).not.toBe('wiped');
    expect(vault.notice).toMatchObject({ code: 'device_revoked_pending' });
    expect((await indexedDB.databases()).map((db) => db.name)).toContain(t.dbName);
    // Amina unlocks offline; the next server contact finds the revocation with her key.
    expect((await vault.unlockWithPassphrase(amina, PASSWORD_A)).ok).toBe(true);
    expect(
      (await vault.api('/api/sync', { method: 'POST', body: new Uint8Array([1]) })).status,
    ).toBe(401);
    await vault.idle();
    expect(pushes).toEqual(['with key']);
    expect(vault.state).toBe('wiped');
  });

  test('a sign-in refused as revoked erases the tablet too', async () => {
    const t = tablet();
    const vault = await enrolled(t);
    t.server.revokeDevice(vault.device!.deviceId);
    expect(await vault.signIn('amina', PASSWORD_A)).toMatchObject({
      ok: false,
      error: { code: 'device_revoked' },
    });
    await vault.idle();
    expect(vault.state).toBe('wiped');
  });
});

describe("an administrator's one-time password", () => {
  test('she must choose her own first; it then unlocks offline, the one-time one no longer does', async () => {
    const t = tablet();
    const oneTime = 'admin-set-Xy7q2';
    const neema = t.server.addUser('neema', oneTime, { mustChangePassword: true });
    const vault = await enrolled(t);
    expect((await vault.signIn('neema', oneTime)).ok).toBe(true);
    expect(vault.needsPasswordChange).toBe(true);
    const sealed = await vault.cipher!.sealJson('test|aad', { hello: 'clinic' });

    // Refused before the server is asked: too short, the same, typed wrong.
    expect(await vault.changePassword(oneTime, 'short')).toMatchObject({
      ok: false,
      error: { code: 'password_too_short', field: 'newPassword' },
    });
    expect(await vault.changePassword(oneTime, oneTime)).toMatchObject({
      ok: false,
      error: { code: 'same_password', field: 'newPassword' },
    });
    expect(await vault.changePassword('not it at all', 'neema own passphrase')).toMatchObject({
      ok: false,
      error: { code: 'invalid_credentials', field: 'currentPassword' },
    });
    expect(vault.needsPasswordChange).toBe(true);

    expect((await vault.changePassword(oneTime, 'neema own passphrase')).ok).toBe(true);
    expect(vault.needsPasswordChange).toBe(false);
    expect(t.server.users.get('neema')?.password).toBe('neema own passphrase');
    expect((await userRow(t, neema.id))?.mustChangePassword).toBe(false);

    // Offline after a reload: her own password opens the same clinic key.
    t.server.online = false;
    const reopened = await t.open();
    expect(await reopened.unlockWithPassphrase(neema.id, oneTime)).toMatchObject({
      ok: false,
      error: { code: 'wrong_passphrase' },
    });
    expect((await reopened.unlockWithPassphrase(neema.id, 'neema own passphrase')).ok).toBe(true);
    expect(reopened.needsPasswordChange).toBe(false);
    expect(await reopened.cipher!.openJson<{ hello: string }>('test|aad', sealed)).toEqual({
      hello: 'clinic',
    });
  });

  test('a reload before she chose keeps asking; offline, the change says the network is needed', async () => {
    const t = tablet();
    const oneTime = 'admin-set-Pq9w4';
    const neema = t.server.addUser('neema', oneTime, { mustChangePassword: true });
    const vault = await enrolled(t);
    expect((await vault.signIn('neema', oneTime)).ok).toBe(true);
    t.server.online = false;
    const reopened = await t.open();
    expect((await reopened.unlockWithPassphrase(neema.id, oneTime)).ok).toBe(true);
    expect(reopened.needsPasswordChange).toBe(true);
    const offline = await reopened.changePassword(oneTime, 'neema own passphrase');
    expect(offline.ok).toBe(false);
    expect(reopened.needsPasswordChange).toBe(true);
    // Nothing changed on the tablet: the one-time password still unlocks.
    expect((await userRow(t, neema.id))?.mustChangePassword).toBe(true);
  });
});
