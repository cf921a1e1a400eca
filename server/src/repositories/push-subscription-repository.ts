/** Specialists' Web Push subscriptions (consults/push-notifier.ts). */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { pushSubscriptions, users } from '../db/schema';

export interface PushSubscriptionRow {
  readonly id: string;
  readonly userId: string;
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
}

export interface PushSubscriptionRepository {
  /** One row per endpoint: subscribing again (or as another user) replaces it. */
  upsert(row: PushSubscriptionRow, now: Date): Promise<void>;
  remove(userId: string, endpoint: string): Promise<boolean>;
  removeEndpoint(endpoint: string): Promise<void>;
  /** Subscriptions of the active specialists a consult is routed to (by name, else by specialty). */
  forRouting(routing: {
    readonly assigneeUserId: string | null;
    readonly specialty: string | null;
  }): Promise<PushSubscriptionRow[]>;
}

export function createPushSubscriptionRepository(db: Db): PushSubscriptionRepository {
  const columns = {
    id: pushSubscriptions.id,
    userId: pushSubscriptions.userId,
    endpoint: pushSubscriptions.endpoint,
    p256dh: pushSubscriptions.p256dh,
    auth: pushSubscriptions.auth,
  };
  return {
    async upsert(row, now) {
      await db
        .insert(pushSubscriptions)
        .values({ ...row, createdAt: now })
        .onConflictDoUpdate({
          target: pushSubscriptions.endpoint,
          set: { userId: row.userId, p256dh: row.p256dh, auth: row.auth, createdAt: now },
        });
    },

    async remove(userId, endpoint) {
      const removed = await db
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
        .returning({ id: pushSubscriptions.id });
      return removed.length > 0;
    },

    async removeEndpoint(endpoint) {
      await db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint));
    },

    async forRouting(routing) {
      const specialists = await db
        .select({ id: users.id })
        .from(users)
        .where(
          and(
            eq(users.role, 'specialist'),
            isNull(users.disabledAt),
            routing.assigneeUserId !== null
              ? eq(users.id, routing.assigneeUserId)
              : sql`${users.specialties} @> ${JSON.stringify([routing.specialty ?? ''])}::jsonb`,
          ),
        );
      if (specialists.length === 0) return [];
      return db
        .select(columns)
        .from(pushSubscriptions)
        .where(
          inArray(
            pushSubscriptions.userId,
            specialists.map((row) => row.id),
          ),
        );
    },
  };
}
