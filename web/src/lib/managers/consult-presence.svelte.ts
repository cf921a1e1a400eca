/**
 * Live presence on one open consult: who else has it open and who is typing,
 * over the consult's live channel (`OpenDocument.live.presence`). The rules
 * (name and role only, typing cleared when idle, untrusted remote states) are
 * in `$lib/consults/presence`; this keeps them as screen state.
 */
import {
  TypingTracker,
  presencePeers,
  presenceState,
  type PresencePeer,
  type PresenceUser,
  type Timers,
  type TypingKind,
} from '$lib/consults/presence';
import type { LiveConnection } from '$lib/sync';

export class ConsultPresence {
  /** The others with this consult open, sorted by name. */
  peers = $state.raw<readonly PresencePeer[]>([]);

  #live: LiveConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  #user: PresenceUser;
  #tracker: TypingTracker;

  constructor(user: PresenceUser, options: { idleMs?: number; timers?: Timers } = {}) {
    this.#user = user;
    this.#tracker = new TypingTracker(() => this.#announce(), options.idleMs, options.timers);
  }

  /** Starts announcing ourselves on `live` and listening to the others. */
  attach(live: LiveConnection | undefined): void {
    this.detach();
    if (live === undefined) return;
    this.#live = live;
    this.#announce();
    this.#unsubscribe = live.presence.subscribe((others) => {
      this.peers = presencePeers(others);
    });
  }

  /** A keystroke in the text of this kind. */
  typed(kind: TypingKind): void {
    this.#tracker.typed(kind);
  }

  /** The text was sent or abandoned. */
  stopTyping(): void {
    this.#tracker.stop();
  }

  /** Leaves: nothing announced any more, nobody listened to. */
  detach(): void {
    this.#tracker.stop();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#live?.presence.set(null);
    this.#live = undefined;
    this.peers = [];
  }

  #announce(): void {
    this.#live?.presence.set({ ...presenceState(this.#user, this.#tracker.typing) });
  }
}
