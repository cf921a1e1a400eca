/**
 * The live channel wiring against an in-process y-websocket peer (y-protocols
 * sync over a fake WebSocket): what arrives live is stored but not queued;
 * what is saved locally reaches the peer.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { readPatient, updateProfile } from '@outpost/shared/model';
import { createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness, savePersona } from '../db/testing';
import { connectLive, type LiveConnection } from './live';

const MESSAGE_SYNC = 0;

/** The server side of one document: answers sync messages, relays updates to other sockets. */
class Room {
  readonly doc = new Y.Doc();
  readonly sockets = new Set<FakeSocket>();
  readonly urls: string[] = [];

  constructor() {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      const message = encoding.toUint8Array(encoder);
      for (const socket of this.sockets) if (socket !== origin) socket.deliver(message);
    });
  }

  receive(socket: FakeSocket, data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness: ignored here
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.readSyncMessage(decoder, encoder, this.doc, socket);
    if (encoding.length(encoder) > 1) socket.deliver(encoding.toUint8Array(encoder));
  }
}

let room = new Room();

class FakeSocket {
  static readonly OPEN = 1;
  readonly OPEN = 1;
  readyState = 0;
  binaryType = 'arraybuffer';
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(url: string) {
    room.urls.push(url);
    const target = room;
    setTimeout(() => {
      this.readyState = 1;
      target.sockets.add(this);
      this.onopen?.();
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, target.doc);
      this.deliver(encoding.toUint8Array(encoder));
    }, 0);
  }

  send(data: Uint8Array): void {
    room.receive(this, new Uint8Array(data));
  }

  deliver(message: Uint8Array): void {
    setTimeout(() => this.onmessage?.({ data: message.slice().buffer }), 0);
  }

  close(): void {
    this.readyState = 3;
    room.sockets.delete(this);
  }
}

const connections: LiveConnection[] = [];
afterEach(() => {
  for (const connection of connections.splice(0)) connection.destroy();
  room = new Room();
});

describe('live channel', () => {
  test('S14 updates arriving live are stored (not queued) and local saves reach the peer', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = await savePersona(store, 'adultWithHypertension');
    const handle = (await store.openDocument(docId))!;
    const live = connectLive(store, handle, {
      baseUrl: 'ws://clinic.test/ws',
      identity: () => ({ deviceId: store.deviceId, clinicId: store.clinicId, userId: 'u' }),
      connect: true,
      persistDelayMs: 0,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live);
    await vi.waitFor(() => expect(live.status).toBe('connected'));
    expect(room.urls[0]).toBe(
      `ws://clinic.test/ws/${docId}?device=${store.deviceId}&clinic=${store.clinicId}&user=u`,
    );
    // The peer receives what the tablet holds.
    await vi.waitFor(() =>
      expect(getOrThrow(readPatient(room.doc)).profile.givenName).toBe('Amina'),
    );

    // Another device's change arrives live.
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(room.doc));
    getOrThrow(updateProfile(other, createTestContext({ seed: 9 }), { village: 'Liveville' }));
    Y.applyUpdate(room.doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(room.doc)));
    await vi.waitFor(async () =>
      expect((await store.getPatientRow(docId))?.village).toBe('Liveville'),
    );
    const reopened = await harness.reopen();
    expect(getOrThrow((await reopened.readPatient(docId))!).profile.village).toBe('Liveville');
    expect(await reopened.outboxEntries()).toHaveLength(1); // only the creation

    // A change saved on the tablet is forwarded live (and queued for batch sync).
    const live2 = connectLive(reopened, (await reopened.openDocument(docId))!, {
      baseUrl: 'ws://clinic.test/ws',
      identity: () => ({ deviceId: store.deviceId, clinicId: store.clinicId, userId: 'u' }),
      connect: true,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live2);
    await vi.waitFor(() => expect(live2.status).toBe('connected'));
    await reopened.applyOp(docId, (doc, ctx) => updateProfile(doc, ctx, { phone: '+255 700 42' }));
    await vi.waitFor(() =>
      expect(getOrThrow(readPatient(room.doc)).profile.phone).toBe('+255 700 42'),
    );
    expect(await reopened.outboxEntries()).toHaveLength(2);
  });
});
