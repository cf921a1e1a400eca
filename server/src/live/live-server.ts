/**
 * The live channel (SPEC S14): the y-websocket protocol (over y-protocols) for
 * one document per connection at `/ws/<docId>`, so the stock `WebsocketProvider`
 * works against it.
 *
 * - Identity (C14): `?ticket=` — a single-use ticket minted by
 *   `POST /api/live/ticket` for this document, valid 30 s — checked BEFORE the
 *   upgrade: no ticket 401, a foreign Origin or a record the caller may not
 *   open 403, all as plain HTTP answers, nothing upgraded. The transitional
 *   header identity (`device`, `clinic`, `user` query parameters) only when the
 *   server allows unauthenticated tablets.
 * - Every message is checked: a read-only caller's writes are dropped (audited),
 *   every update goes through the same per-record authorisation as a push.
 * - Revocation (C11): every `revocationCheckMs` (default 15 s, and at once when an
 *   admin revokes) the sessions behind open connections are re-checked; a revoked
 *   device, disabled user or ended session is closed with CLOSE_CODES.revoked.
 * - One in-memory room per open document, loaded from storage. Every update a
 *   client sends is stored through `applyLiveUpdate` (log, state, read models,
 *   same checks as a push) *before* it is applied to the room and broadcast.
 *   Updates stored by batch sync for an open document are applied and broadcast too.
 * - Messages of one room are handled one at a time, in arrival order.
 * - A message larger than MAX_UPDATE_BYTES, a malformed message, a flood or a
 *   rejected update closes that connection only, with a code from CLOSE_CODES.
 *   Frames beyond the socket's hard limit are closed by `ws` itself (1009).
 * Awareness (presence) is relayed, never stored.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { parseDocId } from '@outpost/shared/model';
import { assertNever } from '@outpost/shared/result';
import {
  CLOSE_CODES,
  MAX_UPDATE_BYTES,
  type CloseCode,
  type RejectionCode,
} from '@outpost/shared/sync';
import type { Caller } from '../auth/caller';
import { stampAwarenessUpdate } from './presence-stamp';
import {
  actingCaller,
  documentAccess,
  type DocumentAccess,
  type DocumentFacts,
} from '../auth/policy';
import { isAllowedOrigin } from '../middleware/security-headers';
import type { RecordAudit } from '../repositories/record-audit';
import type { SyncRepository } from '../repositories/sync-repository';
import type { LiveTickets } from '../security/live-tickets';
import type { AuthFailure } from '../services/auth-service';
import type { Result } from '@outpost/shared/result';
import type { DocumentEvents } from '../sync/events';
import { safeError } from '../logger';

export const LIVE_PATH_PREFIX = '/ws/';

// y-websocket message types.
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** Room of one document: bytes of the envelope around an update (types and lengths). */
const ENVELOPE_BYTES = 16;

export interface RateLimit {
  /** Messages a connection may send in a burst. */
  readonly burst: number;
  /** Sustained messages per second. */
  readonly perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 200, perSecond: 50 };

export interface LiveServerDeps {
  readonly repository: SyncRepository;
  readonly events: DocumentEvents;
  readonly logger: Logger;
  readonly now: () => number;
  readonly rateLimit?: RateLimit;
  readonly tickets: LiveTickets;
  /** The caller behind a session, or why it may no longer act. */
  readonly principalOfSession: (sessionId: string) => Promise<Result<Caller, AuthFailure>>;
  /** Of these sessions, those no longer usable. */
  readonly inactiveSessions: (sessionIds: readonly string[]) => Promise<Set<string>>;
  readonly documentFacts: (
    docId: string,
    actingClinicId: string,
  ) => Promise<DocumentFacts | undefined>;
  readonly audit: RecordAudit;
  readonly allowedOrigins?: readonly string[];
  /** How often open connections are re-checked for revocation (≤ 60 s). */
  readonly revocationCheckMs?: number;
}

export const DEFAULT_REVOCATION_CHECK_MS = 15_000;
/** Live writes are audited at most once per connection per this interval (with a count). */
const WRITE_AUDIT_INTERVAL_MS = 60_000;

export interface LiveServer {
  /** Hand an HTTP upgrade for a `/ws/…` path to the live channel. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Documents with an open room (for tests and metrics). */
  openDocuments(): string[];
  /** Re-checks every open connection's session now (an admin revoked something). */
  checkRevocations(): Promise<void>;
  close(): Promise<void>;
}

interface Connection {
  readonly socket: WebSocket;
  readonly caller: Caller;
  readonly access: DocumentAccess;
  writesSinceAudit: number;
  lastWriteAuditAt: number;
  deniedAudited: boolean;
  /** Awareness client ids this connection announced (removed when it leaves). */
  readonly awarenessIds: Set<number>;
  tokens: number;
  refilledAt: number;
  closed: boolean;
}

interface Room {
  readonly docId: string;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  /** Home clinic: the stored one, or the first caller's for a document not stored yet. */
  readonly clinicId: string;
  readonly connections: Set<Connection>;
  /** Serialises the room's work (storage, application, replies) in arrival order. */
  queue: Promise<void>;
}

const rejectionClose: Record<RejectionCode, CloseCode> = {
  wrong_clinic: CLOSE_CODES.forbidden,
  forbidden: CLOSE_CODES.forbidden,
  malformed_update: CLOSE_CODES.malformedMessage,
  invalid_document: CLOSE_CODES.rejectedUpdate,
  client_id_clash: CLOSE_CODES.rejectedUpdate,
  invalid_document_id: CLOSE_CODES.invalidDocument,
  too_large: CLOSE_CODES.messageTooLarge,
};

export function createLiveServer(deps: LiveServerDeps): LiveServer {
  const limit = deps.rateLimit ?? DEFAULT_RATE_LIMIT;
  // The socket's own limit is a little above ours, so oversize updates get our close code.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_UPDATE_BYTES + 64 * 1024 });
  const rooms = new Map<string, Promise<Room | undefined>>();

  const unsubscribe = deps.events.subscribe((stored) => {
    const pending = rooms.get(stored.docId);
    if (pending === undefined) return;
    void pending.then((room) => {
      if (room === undefined) return;
      enqueue(room, () => {
        // Already committed; applying a Yjs update twice changes nothing.
        Y.applyUpdate(room.doc, stored.update, 'storage');
      });
    });
  });

  function send(connection: Connection, message: Uint8Array): void {
    if (connection.closed || connection.socket.readyState !== connection.socket.OPEN) return;
    connection.socket.send(message, (error) => {
      if (error !== undefined && error !== null) close(connection, 1011, 'send failed');
    });
  }

  function close(connection: Connection, code: number, reason: string): void {
    if (connection.closed) return;
    connection.closed = true;
    connection.socket.close(code, reason);
  }

  function enqueue(room: Room, work: () => Promise<void> | void): void {
    room.queue = room.queue.then(work).catch((error: unknown) => {
      deps.logger.error({ err: safeError(error), docId: room.docId }, 'live room work failed');
    });
  }

  async function openRoom(docId: string, caller: Caller): Promise<Room | undefined> {
    const stored = await deps.repository.loadDocumentState(docId);
    const doc = new Y.Doc();
    if (stored !== undefined) Y.applyUpdate(doc, stored.state, 'storage');
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState(null); // the server has no presence of its own
    const room: Room = {
      docId,
      doc,
      awareness,
      clinicId: stored?.clinicId ?? caller.clinicId,
      connections: new Set(),
      queue: Promise.resolve(),
    };
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      const message = encoding.createEncoder();
      encoding.writeVarUint(message, MESSAGE_SYNC);
      syncProtocol.writeUpdate(message, update);
      const bytes = encoding.toUint8Array(message);
      for (const connection of room.connections) if (connection !== origin) send(connection, bytes);
    });
    awareness.on(
      'update',
      (
        { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
        origin: unknown,
      ) => {
        const changed = [...added, ...updated, ...removed];
        if (origin !== null && typeof origin === 'object' && 'awarenessIds' in origin) {
          const connection = origin as Connection;
          for (const id of [...added, ...updated]) connection.awarenessIds.add(id);
          for (const id of removed) connection.awarenessIds.delete(id);
        }
        const message = encoding.createEncoder();
        encoding.writeVarUint(message, MESSAGE_AWARENESS);
        encoding.writeVarUint8Array(
          message,
          awarenessProtocol.encodeAwarenessUpdate(awareness, changed),
        );
        const bytes = encoding.toUint8Array(message);
        for (const connection of room.connections) send(connection, bytes);
      },
    );
    return room;
  }

  function roomFor(docId: string, caller: Caller): Promise<Room | undefined> {
    let pending = rooms.get(docId);
    if (pending === undefined) {
      pending = openRoom(docId, caller);
      rooms.set(docId, pending);
      pending.catch(() => rooms.delete(docId));
    }
    return pending;
  }

  function leave(room: Room, connection: Connection): void {
    if (!room.connections.delete(connection)) return;
    awarenessProtocol.removeAwarenessStates(room.awareness, [...connection.awarenessIds], null);
    enqueue(room, () => {
      if (room.connections.size > 0) return;
      rooms.delete(room.docId);
      room.awareness.destroy();
      room.doc.destroy();
    });
  }

  /** Token bucket per connection: false when the connection is flooding. */
  function allow(connection: Connection): boolean {
    const now = deps.now();
    const refill = ((now - connection.refilledAt) / 1000) * limit.perSecond;
    connection.tokens = Math.min(limit.burst, connection.tokens + refill);
    connection.refilledAt = now;
    if (connection.tokens < 1) return false;
    connection.tokens -= 1;
    return true;
  }

  async function handleMessage(room: Room, connection: Connection, message: LiveMessage) {
    if (connection.closed) return;
    const reply = encoding.createEncoder();
    switch (message.kind) {
      case 'syncStep1':
        encoding.writeVarUint(reply, MESSAGE_SYNC);
        try {
          syncProtocol.writeSyncStep2(reply, room.doc, message.stateVector);
        } catch {
          close(connection, CLOSE_CODES.malformedMessage, 'malformed state vector');
          return;
        }
        break;
      case 'update': {
        if (isEmptyUpdate(message.update)) break;
        if (connection.access !== 'write') {
          // C18: a read-only caller's writes are dropped and audited (once per connection).
          if (!connection.deniedAudited) {
            connection.deniedAudited = true;
            await deps.audit.records(connection.caller, 'record.write', [
              {
                docId: room.docId,
                outcome: 'denied',
                details: { via: 'live', reason: 'read_only' },
              },
            ]);
          }
          break;
        }
        // Stored first (S14); only a committed update reaches the room and the others.
        const outcome = await deps.repository.applyLiveUpdate(
          connection.caller,
          room.docId,
          message.update,
        );
        if (outcome.status === 'rejected') {
          if (outcome.code === 'forbidden' || outcome.code === 'wrong_clinic')
            await deps.audit.records(connection.caller, 'record.write', [
              {
                docId: room.docId,
                outcome: 'denied',
                details: { via: 'live', code: outcome.code },
              },
            ]);
          close(connection, rejectionClose[outcome.code], outcome.code);
          return;
        }
        if (outcome.status === 'stored') {
          Y.applyUpdate(room.doc, message.update, connection);
          connection.writesSinceAudit += 1;
          if (deps.now() - connection.lastWriteAuditAt >= WRITE_AUDIT_INTERVAL_MS) {
            await deps.audit.records(connection.caller, 'record.write', [
              {
                docId: room.docId,
                outcome: 'success',
                details: { via: 'live', updates: connection.writesSinceAudit },
              },
            ]);
            connection.writesSinceAudit = 0;
            connection.lastWriteAuditAt = deps.now();
          }
        }
        break;
      }
      case 'awareness':
        try {
          // Presence says who the connection is, not who the client claims to be.
          awarenessProtocol.applyAwarenessUpdate(
            room.awareness,
            stampAwarenessUpdate(message.update, {
              name: connection.caller.displayName ?? '',
              role: connection.caller.role,
            }),
            connection,
          );
        } catch {
          close(connection, CLOSE_CODES.malformedMessage, 'malformed awareness');
          return;
        }
        break;
      case 'queryAwareness':
        encoding.writeVarUint(reply, MESSAGE_AWARENESS);
        encoding.writeVarUint8Array(
          reply,
          awarenessProtocol.encodeAwarenessUpdate(room.awareness, [
            ...room.awareness.getStates().keys(),
          ]),
        );
        break;
      case 'auth':
        // Only the server sends auth messages (permission denied); a client's is ignored.
        break;
      default:
        assertNever(message);
    }
    if (encoding.length(reply) > 0) send(connection, encoding.toUint8Array(reply));
  }

  async function accept(socket: WebSocket, grant: Grant): Promise<void> {
    // Messages that arrive while the room is resolved wait here.
    const early: Uint8Array[] = [];
    const buffer = (data: RawData) => early.push(toBytes(data));
    socket.on('message', buffer);
    socket.on('error', () => socket.terminate());
    const { docId, access } = grant;
    const caller = { ok: true as const, value: grant.caller };
    const room = await roomFor(docId, caller.value);
    if (room === undefined || room.clinicId !== caller.value.clinicId) {
      socket.close(CLOSE_CODES.forbidden, 'forbidden');
      return;
    }
    const connection: Connection = {
      socket,
      caller: caller.value,
      access,
      writesSinceAudit: 0,
      lastWriteAuditAt: 0,
      deniedAudited: false,
      awarenessIds: new Set(),
      tokens: limit.burst,
      refilledAt: deps.now(),
      closed: false,
    };
    room.connections.add(connection);
    connections.add(connection);
    await deps.audit.records(connection.caller, 'record.read', [
      { docId, outcome: 'success', details: { via: 'live', access } },
    ]);
    socket.on('close', () => {
      connections.delete(connection);
      connection.closed = true;
      leave(room, connection);
    });

    const receive = (data: Uint8Array) => {
      if (connection.closed) return;
      if (!allow(connection)) {
        close(connection, CLOSE_CODES.rateLimited, 'too many messages');
        return;
      }
      if (data.length > MAX_UPDATE_BYTES + ENVELOPE_BYTES) {
        close(connection, CLOSE_CODES.messageTooLarge, 'message too large');
        return;
      }
      const message = parseMessage(data);
      if (message === undefined) {
        close(connection, CLOSE_CODES.malformedMessage, 'malformed message');
        return;
      }
      enqueue(room, async () => {
        try {
          await handleMessage(room, connection, message);
        } catch (error) {
          close(connection, 1011, 'server error');
          throw error;
        }
      });
    };
    socket.off('message', buffer);
    socket.on('message', (data: RawData) => receive(toBytes(data)));

    // Greeting (as the y-websocket server does): our state vector and the current presence.
    enqueue(room, () => {
      const greeting = encoding.createEncoder();
      encoding.writeVarUint(greeting, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(greeting, room.doc);
      send(connection, encoding.toUint8Array(greeting));
      const states = [...room.awareness.getStates().keys()];
      if (states.length > 0) {
        const presence = encoding.createEncoder();
        encoding.writeVarUint(presence, MESSAGE_AWARENESS);
        encoding.writeVarUint8Array(
          presence,
          awarenessProtocol.encodeAwarenessUpdate(room.awareness, states),
        );
        send(connection, encoding.toUint8Array(presence));
      }
    });
    for (const data of early.splice(0)) receive(data);
  }

  /** Every open connection, for the revocation sweep. */
  const connections = new Set<Connection>();

  async function sweepRevoked(): Promise<void> {
    const bySession = new Map<string, Connection[]>();
    for (const connection of connections) {
      const sessionId = connection.caller.sessionId;
      if (sessionId === undefined || connection.closed) continue;
      bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), connection]);
    }
    if (bySession.size === 0) return;
    const inactive = await deps.inactiveSessions([...bySession.keys()]);
    for (const sessionId of inactive)
      for (const connection of bySession.get(sessionId) ?? [])
        close(connection, CLOSE_CODES.revoked, 'revoked');
  }
  const sweepTimer = setInterval(
    () => {
      sweepRevoked().catch((error: unknown) =>
        deps.logger.error({ err: safeError(error) }, 'revocation sweep failed'),
      );
    },
    Math.min(deps.revocationCheckMs ?? DEFAULT_REVOCATION_CHECK_MS, 60_000),
  );
  sweepTimer.unref();

  type UpgradeRefusal = { ok: false; status: number; code: string; message: string };
  const refuse = (status: number, code: string, message: string): UpgradeRefusal => ({
    ok: false,
    status,
    code,
    message,
  });

  /** Decides an upgrade before it happens (C14): nothing is upgraded for a refused caller. */
  async function authorizeUpgrade(
    request: IncomingMessage,
    url: URL,
  ): Promise<{ ok: true; value: Grant } | UpgradeRefusal> {
    const origin = request.headers.origin;
    if (
      origin !== undefined &&
      !isAllowedOrigin(origin, request.headers.host, deps.allowedOrigins ?? [])
    )
      return refuse(403, 'forbidden_origin', 'Connections from other sites are not accepted.');
    const docId = safeDecode(url.pathname.slice(LIVE_PATH_PREFIX.length));
    if (docId === undefined || !parseDocId(docId).ok)
      return refuse(404, 'invalid_document_id', 'Not a record id.');
    const ticket = url.searchParams.get('ticket');
    if (ticket === null)
      return refuse(401, 'unauthenticated', 'A live ticket is required (POST /api/live/ticket).');
    const grant = deps.tickets.consume(ticket);
    if (grant === undefined || grant.docId !== docId)
      return refuse(
        401,
        'invalid_ticket',
        'The live ticket is missing, used, expired or for another record.',
      );
    const principal = await deps.principalOfSession(grant.sessionId);
    if (!principal.ok) return refuse(401, principal.error.code, principal.error.message);
    const caller: Caller = principal.value;
    const facts = await deps.documentFacts(docId, caller.clinicId);
    if (facts === undefined) return refuse(404, 'invalid_document_id', 'Not a record id.');
    const acting = actingCaller(caller, facts);
    const access = documentAccess(acting, facts);
    if (access === 'none') {
      await deps.audit.records(caller, 'record.read', [
        { docId, outcome: 'denied', details: { via: 'live' } },
      ]);
      return refuse(403, 'forbidden', 'You may not open this record.');
    }
    return { ok: true, value: { caller: acting, docId, access } };
  }

  return {
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (!url.pathname.startsWith(LIVE_PATH_PREFIX)) {
        socket.destroy();
        return;
      }
      socket.on('error', () => socket.destroy());
      authorizeUpgrade(request, url)
        .then((grant) => {
          if (!grant.ok) {
            refuseUpgrade(socket, grant.status, grant.code, grant.message);
            return;
          }
          wss.handleUpgrade(request, socket, head, (ws) => {
            accept(ws, grant.value).catch((error: unknown) => {
              deps.logger.error({ err: safeError(error) }, 'live connection setup failed');
              ws.close(1011, 'server error');
            });
          });
        })
        .catch((error: unknown) => {
          deps.logger.error({ err: safeError(error) }, 'live upgrade check failed');
          refuseUpgrade(socket, 500, 'internal', 'Something went wrong on the server.');
        });
    },
    async checkRevocations() {
      await sweepRevoked();
    },
    openDocuments() {
      return [...rooms.keys()];
    },
    async close() {
      clearInterval(sweepTimer);
      unsubscribe();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const open = await Promise.all(rooms.values());
      await Promise.all(open.map((room) => room?.queue ?? Promise.resolve()));
    },
  };
}

interface Grant {
  readonly caller: Caller;
  readonly docId: string;
  readonly access: DocumentAccess;
}

/** A plain HTTP answer instead of an upgrade. */
function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason =
    { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[
      status
    ] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** An update with no structs and no deletions (an idle client's sync step 2). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

type LiveMessage =
  | { readonly kind: 'syncStep1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'queryAwareness' }
  | { readonly kind: 'auth' };

/** Parses one y-websocket message; undefined when it is not one. Never throws. */
function parseMessage(data: Uint8Array): LiveMessage | undefined {
  try {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    let message: LiveMessage;
    switch (type) {
      case MESSAGE_SYNC: {
        const syncType = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (syncType === syncProtocol.messageYjsSyncStep1)
          message = { kind: 'syncStep1', stateVector: payload };
        else if (
          syncType === syncProtocol.messageYjsSyncStep2 ||
          syncType === syncProtocol.messageYjsUpdate
        )
          message = { kind: 'update', update: payload };
        else return undefined;
        break;
      }
      case MESSAGE_AWARENESS:
        message = { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
        break;
      case MESSAGE_QUERY_AWARENESS:
        message = { kind: 'queryAwareness' };
        break;
      case MESSAGE_AUTH:
        return { kind: 'auth' };
      default:
        return undefined;
    }
    return decoding.hasContent(decoder) ? undefined : message;
  } catch {
    return undefined;
  }
}
