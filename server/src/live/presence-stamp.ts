/**
 * What a live connection announces about itself (awareness, relayed to
 * everyone in the room) is rewritten by the server from who the connection
 * is: the caller's own name and role, and what kind of text they are typing —
 * nothing else. A modified client cannot pose as someone else ("Dr …") or slip
 * patient data into presence. The shape is `@outpost/shared/consult`'s
 * presence; a state without `user` is relayed empty.
 *
 * Awareness update layout (y-protocols): varuint count, then per client
 * varuint clientID · varuint clock · varstring JSON state ("null" = left).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { isTypingKind } from '@outpost/shared/consult';

const MAX_STATES = 64;

export interface PresenceIdentity {
  readonly name: string;
  readonly role: string;
}

/** The update with every state stamped with `who`; throws on a malformed update. */
export function stampAwarenessUpdate(update: Uint8Array, who: PresenceIdentity): Uint8Array {
  const decoder = decoding.createDecoder(update);
  const encoder = encoding.createEncoder();
  const count = decoding.readVarUint(decoder);
  if (count > MAX_STATES) throw new Error(`too many awareness states (${count})`);
  encoding.writeVarUint(encoder, count);
  for (let index = 0; index < count; index++) {
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // client id
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // clock
    const state = JSON.parse(decoding.readVarString(decoder)) as unknown;
    encoding.writeVarString(encoder, JSON.stringify(stamp(state, who)));
  }
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes in an awareness update');
  return encoding.toUint8Array(encoder);
}

function stamp(state: unknown, who: PresenceIdentity): unknown {
  if (state === null) return null;
  if (typeof state !== 'object' || Array.isArray(state)) throw new Error('awareness state');
  if (!('user' in state)) return {};
  const typing = (state as { typing?: unknown }).typing;
  return {
    user: { name: who.name, role: who.role },
    typing: isTypingKind(typing) ? typing : null,
  };
}
