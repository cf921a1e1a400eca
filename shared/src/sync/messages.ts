/**
 * The batch sync protocol's messages. See SPEC.md for the rules (S1…) that
 * give them meaning. Encoded by codec.ts (binary, lib0), compressed by the
 * transport (gzip both ways).
 */

/** Bumped on any incompatible change; a server answers an unknown version with 426. */
export const PROTOCOL_VERSION = 1;

/** The largest response page a server sends, whatever the client asks (S9). */
export const MAX_PAGE_BYTES = 512 * 1024;
/** The largest request a client sends; more pending updates go in the next request (S10). */
export const MAX_PUSH_BYTES = 256 * 1024;
/** The largest single Yjs update accepted in a push or on the websocket. */
export const MAX_UPDATE_BYTES = 1024 * 1024;

/** One outbox entry pushed by a tablet. (deviceId, localSeq) is its idempotency key (S3). */
export interface PushedUpdate {
  /** Strictly increasing per device; never reused, even after the entry is acked and deleted. */
  readonly localSeq: number;
  /** `patient/<uuidv7>` or `consult/<uuidv7>`. */
  readonly docId: string;
  /** A Yjs update (encoding v1) holding only what this tablet changed. */
  readonly update: Uint8Array;
  /** Device clock (ms since epoch) when the change was saved locally. */
  readonly deviceTime: number;
}

/**
 * Where a tablet is in the server's stream for its scope. Opaque to the tablet:
 * it stores the bytes the server gave and sends them back (S5).
 * Empty = a new tablet that has nothing yet.
 */
export type Cursor = Uint8Array;

export interface SyncRequest {
  readonly protocol: number;
  /** The tablet's Yjs client id: every local change is authored with it (S12). */
  readonly clientId: number;
  /** Device clock at send time (ms), for the clock-offset estimate (S11). */
  readonly deviceTime: number;
  readonly cursor: Cursor;
  readonly pushes: readonly PushedUpdate[];
  /** Documents whose whole state the tablet needs now (S9a: re-keying after a clash). */
  readonly wantDocuments: readonly string[];
  /** The page size the tablet wants (≤ MAX_PAGE_BYTES; smaller on slow links). */
  readonly maxResponseBytes: number;
}

export const REJECTION_CODES = [
  /** The document's home clinic is not the caller's (S7). */
  'wrong_clinic',
  /** The update is not a decodable Yjs update. */
  'malformed_update',
  /** Applying it would leave a document the model refuses (bad meta, changed home clinic…). */
  'invalid_document',
  /** The document id is not `patient/<uuid>` or `consult/<uuid>`. */
  'invalid_document_id',
  /** Another device already authored changes under this Yjs client id (S12). */
  'client_id_clash',
  /** Larger than MAX_UPDATE_BYTES. */
  'too_large',
  /** The caller may not write this document (role, routing). */
  'forbidden',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Every pushed update gets exactly one receipt (S4). */
export type Receipt =
  | {
      readonly localSeq: number;
      readonly status: 'stored';
      /** The server's log sequence number of this update. */
      readonly seq: number;
      /** Server clock (ms) when it was first committed; the same on a repeated push. */
      readonly receivedAt: number;
    }
  | {
      readonly localSeq: number;
      readonly status: 'rejected';
      readonly code: RejectionCode;
      readonly message: string;
    };

/** One update from the log, in the server's commit order for the caller's scope. */
export interface PulledUpdate {
  readonly seq: number;
  readonly docId: string;
  readonly update: Uint8Array;
}

/** A whole compacted document, sent to a tablet that starts from nothing (S6). */
export interface PulledDocument {
  readonly docId: string;
  readonly state: Uint8Array;
}

export interface SyncResponse {
  readonly protocol: number;
  /** Server clock (ms) when the response was made. */
  readonly serverTime: number;
  readonly receipts: readonly Receipt[];
  readonly documents: readonly PulledDocument[];
  readonly updates: readonly PulledUpdate[];
  /** Store this only after everything above is stored (S5). */
  readonly cursor: Cursor;
  /** True when the server has more to send: sync again at once. */
  readonly more: boolean;
}

/** Named websocket close codes for the live channel (`/ws/<docId>`). */
export const CLOSE_CODES = {
  /** A message was not a valid y-websocket/Yjs message. */
  malformedMessage: 4400,
  /** No valid credentials or ticket. */
  unauthenticated: 4401,
  /** The caller may not open this document. */
  forbidden: 4403,
  /** The document id is not valid. */
  invalidDocument: 4404,
  /** Too many messages in a short time. */
  rateLimited: 4408,
  /** A message larger than MAX_UPDATE_BYTES. */
  messageTooLarge: 4409,
  /** The device or user was revoked while connected. */
  revoked: 4410,
  /** An update would make the document invalid or clash with another device's client id. */
  rejectedUpdate: 4422,
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
