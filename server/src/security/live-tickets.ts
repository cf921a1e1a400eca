/**
 * Single-use live-channel tickets (C14): browsers cannot set headers on a
 * websocket, and an access token in a URL ends up in logs and history. A ticket
 * is minted by `POST /api/live/ticket` for one document, is valid 30 s, and is
 * consumed by the first upgrade that presents it. Held in memory (one instance;
 * a ticket minted on one instance must be used on the same one — sticky
 * sessions, or move them to PostgreSQL, when scaling out). Only the SHA-256 of
 * the ticket is kept.
 */
import { randomToken, sha256 } from '../auth/secrets';

export const LIVE_TICKET_TTL_MS = 30_000;

export interface LiveTicket {
  readonly userId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly docId: string;
  readonly expiresAt: number;
}

export interface LiveTickets {
  mint(ticket: Omit<LiveTicket, 'expiresAt'>): { ticket: string; expiresAt: number };
  /** The ticket's grant, once: a second use, an unknown or an expired ticket is undefined. */
  consume(ticket: string): LiveTicket | undefined;
}

export function createLiveTickets(now: () => number): LiveTickets {
  const tickets = new Map<string, LiveTicket>();
  function sweep() {
    const at = now();
    for (const [key, ticket] of tickets) if (ticket.expiresAt <= at) tickets.delete(key);
  }
  return {
    mint(grant) {
      sweep();
      const ticket = randomToken(32);
      const expiresAt = now() + LIVE_TICKET_TTL_MS;
      tickets.set(sha256(ticket), { ...grant, expiresAt });
      return { ticket, expiresAt };
    },
    consume(ticket) {
      if (ticket.length > 100) return undefined;
      const key = sha256(ticket);
      const grant = tickets.get(key);
      tickets.delete(key);
      if (grant === undefined || grant.expiresAt <= now()) return undefined;
      return grant;
    },
  };
}
