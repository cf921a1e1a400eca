/**
 * The live channel wiring against an in-process y-websocket peer (y-protocols
 * sync over a fake WebSocket): what arrives live is stored but not queued;
 * what is saved locally reaches the peer.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { readPatient, updateProfile } from '@outpost/shared/model';
import { createTestContext } from '@outpost/shared/model/fixtures';
import { getOrThrow } from '@outpost/shared/result';
import { createHarness, savePersona } from '../db/testing';
import { connectLive, liveTicketsFrom, type LiveConnection, type LiveTicket } from './live';

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

/**
 * The server side of one document: answers sync messages, relays updates to
 * other sockets and presence (awareness) to every socket, as the server does.
 */
class Room {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(new Y.Doc());
  readonly sockets = new Set<FakeSocket>();
  readonly urls: string[] = [];
  readonly spent = new Set<string>();

  constructor() {
    this.awareness.setLocalState(null);
    this.awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
        const message = this.presenceMessage([...added, ...updated, ...removed]);
        for (const socket of this.sockets) socket.deliver(message);
      },
    );
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      const message = encoding.toUint8Array(encoder);
      for (const socket of this.sockets) if (socket !== origin) socket.deliver(message);
    });
  }

  presenceMessage(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients),
    );
    return encoding.toUint8Array(encoder);
  }

  receive(socket: FakeSocket, data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_AWARENESS) {
      const update = decoding.readVarUint8Array(decoder);
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, socket);
      return;
    }
    if (type !== MESSAGE_SYNC) return;
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
    // Tickets are single-use: a spent or missing one is refused before the upgrade.
    const ticket = new URL(url).searchParams.get('ticket');
    if (ticket === null || target.spent.has(ticket)) {
      setTimeout(() => {
        this.readyState = 3;
        this.onclose?.({ code: 1006, reason: '' });
      }, 0);
      return;
    }
    target.spent.add(ticket);
    setTimeout(() => {
      this.readyState = 1;
      target.sockets.add(this);
      this.onopen?.();
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, target.doc);
      this.deliver(encoding.toUint8Array(encoder));
      const present = [...target.awareness.getStates().keys()];
      if (present.length > 0) this.deliver(target.presenceMessage(present));
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

  /** The server ends the connection (restart, network cut). */
  drop(code = 1006): void {
    this.readyState = 3;
    room.sockets.delete(this);
    setTimeout(() => this.onclose?.({ code, reason: '' }), 0);
  }
}

/** A ticket source like `POST /api/live/ticket`: a new ticket each call. */
function tickets(): { mint: (docId: string) => Promise<LiveTicket>; minted: string[] } {
  const minted: string[] = [];
  return {
    minted,
    mint: (docId) => {
      const ticket = `t${minted.length + 1}-${docId.slice(-4)}`;
      minted.push(ticket);
      return Promise.resolve({ ok: true, ticket });
    },
  };
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
    const source = tickets();
    const live = connectLive(store, handle, {
      baseUrl: 'ws://clinic.test/ws',
      ticket: source.mint,
      connect: true,
      persistDelayMs: 0,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live);
    await vi.waitFor(() => expect(live.status).toBe('connected'));
    expect(room.urls[0]).toBe(`ws://clinic.test/ws/${docId}?ticket=${source.minted[0]}`);
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
      ticket: source.mint,
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

  test('every connection, reconnects included, mints a fresh single-use ticket first', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = await savePersona(store, 'childWithFever');
    const source = tickets();
    const statuses: string[] = [];
    const live = connectLive(store, (await store.openDocument(docId))!, {
      baseUrl: 'ws://clinic.test/ws',
      ticket: source.mint,
      connect: true,
      onStatus: (status) => statuses.push(status),
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live);
    await vi.waitFor(() => expect(live.status).toBe('connected'));
    expect(source.minted).toHaveLength(1);

    // The server goes away: the next connection uses a new ticket, never the spent one.
    for (const socket of [...room.sockets]) socket.drop();
    await vi.waitFor(() => expect(source.minted).toHaveLength(2));
    await vi.waitFor(() => expect(live.status).toBe('connected'));
    expect(statuses).toContain('disconnected');
    expect(room.urls.map((url) => new URL(url).searchParams.get('ticket'))).toEqual(source.minted);
  });

  test('no ticket (offline, signed out): it does not connect; a permanent close is reported', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = await savePersona(store, 'childWithFever');
    const refused = connectLive(store, (await store.openDocument(docId))!, {
      baseUrl: 'ws://clinic.test/ws',
      ticket: () => Promise.resolve({ ok: false, retry: false }),
      connect: true,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(refused);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(room.urls).toEqual([]);
    expect(refused.status).toBe('disconnected');

    const closedWith: number[] = [];
    const source = tickets();
    const live = connectLive(store, (await store.openDocument(docId))!, {
      baseUrl: 'ws://clinic.test/ws',
      ticket: source.mint,
      connect: true,
      onClosed: (code) => closedWith.push(code),
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live);
    await vi.waitFor(() => expect(live.status).toBe('connected'));
    for (const socket of [...room.sockets]) socket.drop(4410);
    await vi.waitFor(() => expect(live.status).toBe('closed'));
    expect(closedWith).toEqual([4410]);
    expect(live.closeCode).toBe(4410);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(source.minted).toHaveLength(1);
  });

  test('liveTicketsFrom: POST /api/live/ticket; offline and 5xx are retried later, 401/403 are not', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const answers: Array<() => Promise<Response>> = [
      () => Promise.resolve(Response.json({ ticket: 'abc', expiresAt: 1, url: '/ws/x' })),
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => Promise.resolve(new Response('', { status: 502 })),
      () => Promise.resolve(Response.json({ error: { code: 'forbidden' } }, { status: 403 })),
      () => Promise.resolve(Response.json({ error: { code: 'signed_out' } }, { status: 401 })),
    ];
    const mint = liveTicketsFrom((url, init) => {
      calls.push({ url, ...(init && { init }) });
      return answers[calls.length - 1]!();
    });
    const docId = 'patient/01930000-0000-7000-8000-000000000001';
    expect(await mint(docId)).toEqual({ ok: true, ticket: 'abc' });
    expect(calls[0]).toMatchObject({ url: '/api/live/ticket', init: { method: 'POST' } });
    expect(JSON.parse(calls[0]!.init!.body as string)).toEqual({ docId });
    expect(await mint(docId)).toEqual({ ok: false, retry: true });
    expect(await mint(docId)).toEqual({ ok: false, retry: true });
    expect(await mint(docId)).toEqual({ ok: false, retry: false });
    expect(await mint(docId)).toEqual({ ok: false, retry: false });
  });

  test('presence: nothing announced until set, others heard, and leaving clears ours', async () => {
    const harness = createHarness('memory');
    const store = await harness.open();
    const { docId } = await savePersona(store, 'adultWithHypertension');
    const handle = (await store.openDocument(docId))!;
    const source = tickets();
    // Someone is already in the room (another device's awareness, relayed by the server).
    const peer = new awarenessProtocol.Awareness(new Y.Doc());
    peer.setLocalState({ user: { name: 'Dr Chiku', role: 'specialist' }, typing: null });
    awarenessProtocol.applyAwarenessUpdate(
      room.awareness,
      awarenessProtocol.encodeAwarenessUpdate(peer, [peer.clientID]),
      'peer',
    );
    const live = connectLive(store, handle, {
      baseUrl: 'ws://clinic.test/ws',
      ticket: source.mint,
      connect: true,
      WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    });
    connections.push(live);
    const heard: ReadonlyMap<number, unknown>[] = [];
    const stop = live.presence.subscribe((others) => heard.push(others));
    expect(heard[0]?.size).toBe(0); // told at once: nobody yet
    await vi.waitFor(() =>
      expect(heard.at(-1)?.get(peer.clientID)).toMatchObject({ typing: null }),
    );
    // The stock provider's `{}` is never announced: we said nothing yet.
    expect(room.awareness.getStates().has(handle.doc.clientID)).toBe(false);

    live.presence.set({ user: { name: 'Neema', role: 'health-worker' }, typing: 'reply' });
    await vi.waitFor(() =>
      expect(room.awareness.getStates().get(handle.doc.clientID)).toEqual({
        user: { name: 'Neema', role: 'health-worker' },
        typing: 'reply',
      }),
    );
    expect(heard.at(-1)?.has(handle.doc.clientID)).toBe(false); // ours is not among the others

    // The peer starts typing: we hear it.
    peer.setLocalState({ user: { name: 'Dr Chiku', role: 'specialist' }, typing: 'answer' });
    awarenessProtocol.applyAwarenessUpdate(
      room.awareness,
      awarenessProtocol.encodeAwarenessUpdate(peer, [peer.clientID]),
      'peer',
    );
    await vi.waitFor(() =>
      expect(heard.at(-1)?.get(peer.clientID)).toMatchObject({ typing: 'answer' }),
    );

    // Leaving: the room hears our state go, and listeners are told nobody is here.
    live.destroy();
    await vi.waitFor(() => expect(room.awareness.getStates().has(handle.doc.clientID)).toBe(false));
    expect(heard.at(-1)?.size).toBe(0);
    stop();
  });
});
