/**
 * The server as the author of Yjs content: the consult's `received` transition
 * (docs/consults.md). Its entries are attributed to SERVER_ACTOR and written
 * under SERVER_CLIENT_ID, always from the stored state under the clinic's lock,
 * so the server's clock for a document only ever continues (SPEC S12 holds).
 */
import type { DeviceId, UserId } from '@outpost/shared/ids';
import type { Actor } from '@outpost/shared/model';

/** The nil UUID: no user or device has it. */
export const SERVER_ACTOR_ID = '00000000-0000-0000-0000-000000000000';

export const SERVER_ACTOR: Actor = {
  userId: SERVER_ACTOR_ID as UserId,
  deviceId: SERVER_ACTOR_ID as DeviceId,
};

/**
 * The Yjs client id of server-authored content. Tablets pick random 32-bit ids;
 * one that ever drew this one is refused as a clash (S12) and re-keys.
 */
export const SERVER_CLIENT_ID = 0xffff_fffe;

export const isServerActor = (by: { readonly u: string; readonly d: string }): boolean =>
  by.u === SERVER_ACTOR_ID && by.d === SERVER_ACTOR_ID;
