/**
 * Who else has a consult open right now, and who is typing, from the live
 * channel's awareness states (`LiveConnection.presence`).
 *
 * - What we announce is a name and a role, and what kind of text we are typing
 *   — never patient data, never an id: awareness is relayed to everyone in the
 *   room (the server checks who may join, and stamps what each announces with
 *   their own name and role: `@outpost/shared/consult` presence).
 * - What others announce is untrusted: states that are not exactly this shape
 *   are ignored, names are cut to `MAX_NAME_CHARS`.
 * - Typing is cleared by its author after `TYPING_IDLE_MS` without a keystroke,
 *   and the whole state when the screen closes (the server also drops a
 *   connection's states when it leaves; awareness drops a silent peer after 30 s).
 *   Receivers never compare the sender's clock with their own.
 */
import {
  PRESENCE_ROLES,
  isTypingKind,
  type PresenceRole,
  type TypingKind,
} from '@outpost/shared/consult';

export { PRESENCE_ROLES, TYPING_KINDS } from '@outpost/shared/consult';
export type { PresenceRole, TypingKind } from '@outpost/shared/consult';

export const MAX_NAME_CHARS = 80;
export const TYPING_IDLE_MS = 5_000;

export interface PresenceUser {
  readonly name: string;
  readonly role: PresenceRole;
}

/** The awareness state a consult screen announces. */
export interface ConsultPresenceState {
  readonly user: PresenceUser;
  readonly typing: TypingKind | null;
}

/** Someone else with the consult open. */
export interface PresencePeer extends PresenceUser {
  readonly typing: TypingKind | null;
}

const isRole = (value: unknown): value is PresenceRole =>
  PRESENCE_ROLES.some((role) => role === value);

/** The state to announce: the name (trimmed, cut) and role only, whatever else `user` holds. */
export function presenceState(user: PresenceUser, typing: TypingKind | null): ConsultPresenceState {
  return {
    user: { name: user.name.trim().slice(0, MAX_NAME_CHARS), role: user.role },
    typing,
  };
}

/** A remote awareness state, or undefined when it is not a consult presence. */
export function parsePresence(raw: unknown): ConsultPresenceState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { user, typing } = raw as { user?: unknown; typing?: unknown };
  if (typeof user !== 'object' || user === null) return undefined;
  const { name, role } = user as { name?: unknown; role?: unknown };
  if (typeof name !== 'string' || name.trim() === '' || !isRole(role)) return undefined;
  return presenceState({ name, role }, isTypingKind(typing) ? typing : null);
}

/**
 * The people present besides us, one entry per person (name and role: the same
 * person in two tabs shows once, typing if either tab is), sorted by name.
 */
export function presencePeers(others: ReadonlyMap<number, unknown>): PresencePeer[] {
  const byPerson = new Map<string, PresencePeer>();
  for (const raw of others.values()) {
    const state = parsePresence(raw);
    if (state === undefined) continue;
    const key = `${state.user.role}\u0000${state.user.name}`;
    const seen = byPerson.get(key);
    byPerson.set(key, {
      ...state.user,
      typing: seen?.typing ?? state.typing,
    });
  }
  return [...byPerson.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.role < b.role ? -1 : 1,
  );
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * The local typing state: `typed(kind)` on every keystroke announces it (only
 * when it changes, so a burst of keys is one awareness update), and it falls
 * back to `null` after `idleMs` without one, or at once on `stop()`.
 */
export class TypingTracker {
  #typing: TypingKind | null = null;
  #timer: unknown;
  readonly #onChange: (typing: TypingKind | null) => void;
  readonly #idleMs: number;
  readonly #timers: Timers;

  constructor(
    onChange: (typing: TypingKind | null) => void,
    idleMs = TYPING_IDLE_MS,
    timers: Timers = systemTimers,
  ) {
    this.#onChange = onChange;
    this.#idleMs = idleMs;
    this.#timers = timers;
  }

  get typing(): TypingKind | null {
    return this.#typing;
  }

  typed(kind: TypingKind): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#set(null);
    }, this.#idleMs);
    this.#set(kind);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#set(null);
  }

  #set(typing: TypingKind | null): void {
    if (typing === this.#typing) return;
    this.#typing = typing;
    this.#onChange(typing);
  }
}
