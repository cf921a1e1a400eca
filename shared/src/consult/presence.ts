/**
 * The shape of live presence on a consult (y-protocols awareness state), shared
 * by the tablet that announces and reads it (web/src/lib/consults/presence.ts)
 * and the server that stamps every announced state with the caller's own
 * identity (server/src/live/presence-stamp.ts): a name, a role and what kind of
 * text is being typed — never patient data, never an id.
 */
export const PRESENCE_ROLES = [
  'health-worker',
  'clinician',
  'specialist',
  'district-admin',
  'system-admin',
] as const;
export type PresenceRole = (typeof PRESENCE_ROLES)[number];

/** What is being written: the specialist's answer or request for more, the health worker's reply. */
export const TYPING_KINDS = ['answer', 'more-info', 'reply'] as const;
export type TypingKind = (typeof TYPING_KINDS)[number];

export const isTypingKind = (value: unknown): value is TypingKind =>
  TYPING_KINDS.some((kind) => kind === value);
