/**
 * One batch sync exchange (SPEC S2–S13): push the tablet's outbox, then pull a
 * page of what changed in its scope (its clinic; for a specialist, the consults
 * routed to them from every clinic, S7a). Transport-free: the route decodes and
 * encodes, this module decides.
 */
import * as decoding from 'lib0/decoding';
import { err, ok, type Result } from '@outpost/shared/result';
import {
  MAX_PUSH_BYTES,
  PROTOCOL_VERSION,
  type SyncRequest,
  type SyncResponse,
} from '@outpost/shared/sync';
import type { Caller } from '../auth/caller';
import type { SyncRepository } from '../repositories/sync-repository';
import { decodeCursor } from './cursor';
import type { DocumentEvents } from './events';

/** More wanted documents than this in one request is a client bug (S9a is for repair). */
export const MAX_WANTED_DOCUMENTS = 256;

export type SyncFailure =
  | { readonly type: 'InvalidCursor'; readonly message: string }
  | { readonly type: 'TooManyWantedDocuments'; readonly message: string }
  | { readonly type: 'PushTooLarge'; readonly message: string };

export interface SyncServiceDeps {
  readonly repository: SyncRepository;
  readonly events: DocumentEvents;
  readonly now: () => number;
}

export interface SyncService {
  exchange(caller: Caller, request: SyncRequest): Promise<Result<SyncResponse, SyncFailure>>;
}

export function createSyncService(deps: SyncServiceDeps): SyncService {
  return {
    async exchange(caller, request) {
      // Everything that refuses the whole request is checked before anything is stored (S13).
      const cursor = decodeCursor(caller, request.cursor);
      if (!cursor.ok) return err({ type: 'InvalidCursor', message: cursor.error.message });
      if (request.wantDocuments.length > MAX_WANTED_DOCUMENTS)
        return err({
          type: 'TooManyWantedDocuments',
          message: `At most ${MAX_WANTED_DOCUMENTS} wanted documents per request.`,
        });
      const pushBytes = request.pushes.reduce((sum, push) => sum + push.update.length, 0);
      if (request.pushes.length > 1 && pushBytes > MAX_PUSH_BYTES)
        return err({
          type: 'PushTooLarge',
          message: `A request carries at most ${MAX_PUSH_BYTES} bytes of updates (S10); send the rest in the next one.`,
        });

      const pushed = await deps.repository.applyPushes(caller, request.pushes, {
        clientId: request.clientId,
      });
      for (const update of pushed.stored) deps.events.publish(update);
      const page = await deps.repository.pull(
        caller,
        request.cursor,
        request.maxResponseBytes,
        request.wantDocuments,
      );
      // The cursor was checked above and a pull never invalidates it.
      if (!page.ok) return err({ type: 'InvalidCursor', message: page.error.message });
      return ok({
        protocol: PROTOCOL_VERSION,
        serverTime: deps.now(),
        receipts: pushed.receipts,
        documents: page.value.documents,
        updates: page.value.updates,
        cursor: page.value.cursor,
        more: page.value.more,
      });
    },
  };
}

/**
 * The protocol version a request declares, read without decoding the rest (a
 * newer protocol may lay the rest out differently). Undefined when unreadable.
 */
export function peekProtocol(bytes: Uint8Array): number | undefined {
  try {
    const decoder = decoding.createDecoder(bytes);
    if (decoding.readUint8(decoder) !== 0x53) return undefined; // the request tag, 'S'
    return decoding.readVarUint(decoder);
  } catch {
    return undefined;
  }
}
