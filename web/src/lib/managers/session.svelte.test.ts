/**
 * The session follows the vault: the clinic store opens with the vault's cipher
 * once a user is unlocked and closes when the key leaves memory; a revoked tablet
 * pushes its outbox once with the device headers, then is erased. Runs the app's
 * own singletons (vault, session, sync manager) against a fake identity server.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { decodeSyncRequest } from '@outpost/shared/sync';
import { vault } from '$lib/auth/vault.svelte';
import { FakeIdentityServer } from '$lib/auth/testing';
import { savePersona } from '$lib/db/testing';
import { syncManager } from '$lib/sync';
import { session } from './session.svelte';

const server = new FakeIdentityServer();

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
const PASSWORD = 'amina correct horse battery';

beforeAll(() => {
  vi.stubGlobal('fetch', server.fetch);
  server.addUser('amina', PASSWORD);
  server.addUser('baraka', 'baraka staple paperclip');
});
afterAll(async () => {
  syncManager.stop();
  await vault.stop();
  vi.unstubAllGlobals();
});

describe('the session and the vault', () => {
  test('the store opens with the key on sign-in, closes on user switch, and the revoked tablet pushes then erases', async () => {
    await session.start();
    expect(vault.state).toBe('unenrolled');
    expect((await vault.enroll(server.code(), 'Front desk')).ok).toBe(true);
    expect(session.store).toBeUndefined();

    // Sign-in (the real 600 000-iteration policy: slow, once).
    expect((await vault.signIn('amina', PASSWORD)).ok).toBe(true);
    await vi.waitFor(() => expect(session.status).toBe('ready'));
    const store = session.store!;
    expect(store.clinicId).toBe(vault.device!.clinicId);
    expect(session.setup).toMatchObject({ userName: 'amina (fictional)' });
    const { docId } = await savePersona(store, 'adultWithHypertension');

    // An idle lock keeps the store; a user switch closes it.
    vault.lock('idle');
    await vault.idle();
    expect(session.store).toBe(store);
    vault.switchUser();
    await vault.idle();
    await vi.waitFor(() => expect(session.status).toBe('closed'));
    expect(session.store).toBeUndefined();
    expect(session.setup).toBeUndefined();

    // Back with the passphrase: the same records open again.
    expect((await vault.unlockWithPassphrase(vault.users[0]!.userId, PASSWORD)).ok).toBe(true);
    await vi.waitFor(() => expect(session.status).toBe('ready'));
    expect((await session.store!.outboxEntries()).map((entry) => entry.docId)).toEqual([docId]);

    // Revoked: the next request finds out; the outbox goes once with the device headers.
    syncManager.stop();
    const deviceId = vault.device!.deviceId;
    server.revokeDevice(deviceId);
    server.quarantined.length = 0;
    expect((await vault.api('/api/me')).status).toBe(401);
    await vault.idle();
    expect(vault.state).toBe('wiped');
    expect(session.store).toBeUndefined();
    const lastPush = server.requests.filter(
      (request) => request.path === '/api/sync' && !request.headers.has('authorization'),
    );
    expect(lastPush).toHaveLength(1);
    expect(lastPush[0]!.headers.get('x-outpost-device')).toBe(deviceId);
    expect(lastPush[0]!.headers.get('content-encoding')).toBe('gzip');
    const pushed = decodeSyncRequest(await gunzip(server.quarantined.at(-1)!));
    expect(pushed.ok && pushed.value.pushes.map((push) => push.docId)).toEqual([docId]);
    const names = (await indexedDB.databases()).map((db) => db.name);
    expect(names.filter((name) => name?.startsWith('outpost-'))).toEqual([]);
  }, 60_000);
});
