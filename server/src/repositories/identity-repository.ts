/**
 * Users, clinics and memberships, devices, enrollment codes, sessions and
 * refresh tokens, quarantine and server facts. Only stores and reads: the
 * decisions (who may sign in, rotation and reuse) live in services/auth-service.ts.
 */
import { and, asc, desc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import {
  clinics,
  devices,
  districts,
  enrollmentCodes,
  quarantine,
  refreshTokens,
  serverMeta,
  sessions,
  userClinics,
  users,
  type Role,
} from '../db/schema';

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly districtId: string | null;
  readonly specialties: readonly string[];
  readonly clinicIds: readonly string[];
  readonly passwordHash: string;
  readonly mustChangePassword: boolean;
  readonly disabledAt: Date | null;
}

export interface DeviceRecord {
  readonly id: string;
  readonly clinicId: string;
  readonly districtId: string;
  readonly label: string;
  readonly secretHash: string;
  readonly enrolledAt: Date;
  readonly lastSeenAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface ClinicRecord {
  readonly id: string;
  readonly name: string;
  readonly districtId: string;
}

/** Everything needed to authorise a request made under a session, in one query. */
export interface SessionPrincipal {
  readonly sessionId: string;
  readonly sessionRevokedAt: Date | null;
  readonly sessionExpiresAt: Date;
  readonly user: Omit<UserRecord, 'passwordHash'>;
  readonly device: Omit<DeviceRecord, 'secretHash'>;
}

export interface RefreshTokenRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly replacedById: string | null;
  readonly session: {
    readonly userId: string;
    readonly deviceId: string;
    readonly expiresAt: Date;
    readonly revokedAt: Date | null;
  };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export function createIdentityRepository(db: Db) {
  async function membershipsOf(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (userIds.length === 0) return map;
    const rows = await db
      .select()
      .from(userClinics)
      .where(inArray(userClinics.userId, [...userIds]))
      .orderBy(asc(userClinics.clinicId));
    for (const row of rows) map.set(row.userId, [...(map.get(row.userId) ?? []), row.clinicId]);
    return map;
  }

  const userColumns = {
    id: users.id,
    username: users.username,
    displayName: users.displayName,
    role: users.role,
    districtId: users.districtId,
    specialties: users.specialties,
    passwordHash: users.passwordHash,
    mustChangePassword: users.mustChangePassword,
    disabledAt: users.disabledAt,
  };

  return {
    // --- server facts --------------------------------------------------------
    async getMeta(key: string): Promise<string | undefined> {
      const [row] = await db.select().from(serverMeta).where(eq(serverMeta.key, key)).limit(1);
      return row?.value;
    },
    /** Inserts unless present; returns the stored value (the first writer wins). */
    async putMetaOnce(key: string, value: string): Promise<string> {
      await db.insert(serverMeta).values({ key, value }).onConflictDoNothing();
      const [row] = await db.select().from(serverMeta).where(eq(serverMeta.key, key)).limit(1);
      return row!.value;
    },

    // --- districts and clinics -------------------------------------------------
    async ensureDistrict(id: string, name: string): Promise<void> {
      await db.insert(districts).values({ id, name }).onConflictDoNothing();
    },
    async districtExists(id: string): Promise<boolean> {
      const rows = await db
        .select({ id: districts.id })
        .from(districts)
        .where(eq(districts.id, id))
        .limit(1);
      return rows.length > 0;
    },
    async createClinic(clinic: ClinicRecord): Promise<void> {
      await db.insert(clinics).values(clinic);
    },
    async getClinic(id: string): Promise<ClinicRecord | undefined> {
      const [row] = await db
        .select({ id: clinics.id, name: clinics.name, districtId: clinics.districtId })
        .from(clinics)
        .where(eq(clinics.id, id))
        .limit(1);
      return row;
    },
    async listClinics(
      filter: { districtId?: string; ids?: readonly string[] } = {},
    ): Promise<ClinicRecord[]> {
      const conditions = [];
      if (filter.districtId !== undefined)
        conditions.push(eq(clinics.districtId, filter.districtId));
      if (filter.ids !== undefined) {
        if (filter.ids.length === 0) return [];
        conditions.push(inArray(clinics.id, [...filter.ids]));
      }
      return db
        .select({ id: clinics.id, name: clinics.name, districtId: clinics.districtId })
        .from(clinics)
        .where(conditions.length > 0 ? and(...conditions) : undefined)
        .orderBy(asc(clinics.name));
    },

    // --- users ---------------------------------------------------------------
    async findUserByUsername(username: string): Promise<UserRecord | undefined> {
      const [row] = await db
        .select(userColumns)
        .from(users)
        .where(eq(users.username, username.trim().toLowerCase()))
        .limit(1);
      if (row === undefined) return undefined;
      return { ...row, clinicIds: (await membershipsOf([row.id])).get(row.id) ?? [] };
    },
    async getUser(id: string): Promise<UserRecord | undefined> {
      const [row] = await db.select(userColumns).from(users).where(eq(users.id, id)).limit(1);
      if (row === undefined) return undefined;
      return { ...row, clinicIds: (await membershipsOf([row.id])).get(row.id) ?? [] };
    },
    async listUsers(): Promise<UserRecord[]> {
      const rows = await db.select(userColumns).from(users).orderBy(asc(users.username));
      const memberships = await membershipsOf(rows.map((row) => row.id));
      return rows.map((row) => ({ ...row, clinicIds: memberships.get(row.id) ?? [] }));
    },
    /**
     * The names a clinic's records may carry as authors: its members (any role,
     * disabled ones too: their past entries still need a name), and the district's
     * admins. Names and roles only: never usernames, which are sign-in secrets' half.
     */
    async listStaff(clinic: ClinicRecord): Promise<{ id: string; name: string; role: Role }[]> {
      const member = sql`exists (select 1 from ${userClinics} where ${userClinics.userId} = ${users.id} and ${userClinics.clinicId} = ${clinic.id})`;
      const districtAdmin = and(
        eq(users.role, 'district-admin'),
        eq(users.districtId, clinic.districtId),
      );
      return db
        .select({ id: users.id, name: users.displayName, role: users.role })
        .from(users)
        .where(sql`${member} or (${districtAdmin})`)
        .orderBy(asc(users.displayName));
    },
    /** False when the username is taken. */
    async createUser(
      user: Omit<UserRecord, 'disabledAt' | 'mustChangePassword'> & {
        mustChangePassword?: boolean;
      },
    ): Promise<boolean> {
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(users)
          .values({
            id: user.id,
            username: user.username,
            displayName: user.displayName,
            role: user.role,
            districtId: user.districtId,
            specialties: [...user.specialties],
            passwordHash: user.passwordHash,
            mustChangePassword: user.mustChangePassword ?? false,
          })
          .onConflictDoNothing()
          .returning({ id: users.id });
        if (inserted.length === 0) return false;
        for (const clinicId of user.clinicIds)
          await tx.insert(userClinics).values({ userId: user.id, clinicId });
        return true;
      });
    },
    async setPassword(userId: string, passwordHash: string, mustChange: boolean): Promise<void> {
      await db
        .update(users)
        .set({ passwordHash, mustChangePassword: mustChange })
        .where(eq(users.id, userId));
    },
    async disableUser(userId: string, at: Date): Promise<void> {
      await db
        .update(users)
        .set({ disabledAt: at })
        .where(and(eq(users.id, userId), isNull(users.disabledAt)));
    },

    // --- devices and enrollment ------------------------------------------------
    async createEnrollmentCode(code: {
      id: string;
      codeHash: string;
      clinicId: string;
      createdBy: string | null;
      createdAt: Date;
      expiresAt: Date;
    }): Promise<void> {
      await db.insert(enrollmentCodes).values(code);
    },
    /**
     * Uses a code and creates the device in one transaction: a code enrolls at
     * most one device even under concurrent attempts (the conditional update).
     */
    async enrollDevice(input: {
      codeHash: string;
      now: Date;
      device: { id: string; label: string; secretHash: string };
    }): Promise<{ clinicId: string; codeId: string } | undefined> {
      return db.transaction(async (tx: Tx) => {
        const [code] = await tx
          .update(enrollmentCodes)
          .set({ usedAt: input.now, usedByDeviceId: input.device.id })
          .where(
            and(
              eq(enrollmentCodes.codeHash, input.codeHash),
              isNull(enrollmentCodes.usedAt),
              gt(enrollmentCodes.expiresAt, input.now),
            ),
          )
          .returning({ id: enrollmentCodes.id, clinicId: enrollmentCodes.clinicId });
        if (code === undefined) return undefined;
        await tx.insert(devices).values({
          id: input.device.id,
          clinicId: code.clinicId,
          label: input.device.label,
          secretHash: input.device.secretHash,
          enrolledAt: input.now,
          enrolledWithCodeId: code.id,
        });
        return { clinicId: code.clinicId, codeId: code.id };
      });
    },
    async getDevice(id: string): Promise<DeviceRecord | undefined> {
      const [row] = await db
        .select({
          id: devices.id,
          clinicId: devices.clinicId,
          districtId: clinics.districtId,
          label: devices.label,
          secretHash: devices.secretHash,
          enrolledAt: devices.enrolledAt,
          lastSeenAt: devices.lastSeenAt,
          revokedAt: devices.revokedAt,
        })
        .from(devices)
        .innerJoin(clinics, eq(clinics.id, devices.clinicId))
        .where(eq(devices.id, id))
        .limit(1);
      return row;
    },
    async listDevices(
      filter: { districtId?: string } = {},
    ): Promise<Omit<DeviceRecord, 'secretHash'>[]> {
      return db
        .select({
          id: devices.id,
          clinicId: devices.clinicId,
          districtId: clinics.districtId,
          label: devices.label,
          enrolledAt: devices.enrolledAt,
          lastSeenAt: devices.lastSeenAt,
          revokedAt: devices.revokedAt,
        })
        .from(devices)
        .innerJoin(clinics, eq(clinics.id, devices.clinicId))
        .where(
          filter.districtId === undefined ? undefined : eq(clinics.districtId, filter.districtId),
        )
        .orderBy(desc(devices.enrolledAt));
    },
    /** Revokes the device and every session on it. False when it was already revoked. */
    async revokeDevice(id: string, by: string | null, at: Date): Promise<boolean> {
      return db.transaction(async (tx) => {
        const revoked = await tx
          .update(devices)
          .set({ revokedAt: at, revokedBy: by })
          .where(and(eq(devices.id, id), isNull(devices.revokedAt)))
          .returning({ id: devices.id });
        await tx
          .update(sessions)
          .set({ revokedAt: at, revokedReason: 'device_revoked' })
          .where(and(eq(sessions.deviceId, id), isNull(sessions.revokedAt)));
        return revoked.length > 0;
      });
    },
    async touchDevice(id: string, at: Date): Promise<void> {
      await db.update(devices).set({ lastSeenAt: at }).where(eq(devices.id, id));
    },

    // --- sessions and refresh tokens ------------------------------------------
    async createSession(input: {
      sessionId: string;
      userId: string;
      deviceId: string;
      now: Date;
      expiresAt: Date;
      token: { id: string; hash: string; expiresAt: Date };
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.insert(sessions).values({
          id: input.sessionId,
          userId: input.userId,
          deviceId: input.deviceId,
          createdAt: input.now,
          expiresAt: input.expiresAt,
        });
        await tx.insert(refreshTokens).values({
          id: input.token.id,
          sessionId: input.sessionId,
          tokenHash: input.token.hash,
          createdAt: input.now,
          expiresAt: input.token.expiresAt,
        });
      });
    },
    async findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
      const [row] = await db
        .select({
          id: refreshTokens.id,
          sessionId: refreshTokens.sessionId,
          createdAt: refreshTokens.createdAt,
          expiresAt: refreshTokens.expiresAt,
          usedAt: refreshTokens.usedAt,
          replacedById: refreshTokens.replacedById,
          session: {
            userId: sessions.userId,
            deviceId: sessions.deviceId,
            expiresAt: sessions.expiresAt,
            revokedAt: sessions.revokedAt,
          },
        })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .where(eq(refreshTokens.tokenHash, hash))
        .limit(1);
      return row;
    },
    async getRefreshToken(id: string): Promise<{ usedAt: Date | null } | undefined> {
      const [row] = await db
        .select({ usedAt: refreshTokens.usedAt })
        .from(refreshTokens)
        .where(eq(refreshTokens.id, id))
        .limit(1);
      return row;
    },
    /**
     * Marks `previousId` used (or, in the grace path, re-marks it) and inserts its
     * successor, atomically: of two concurrent rotations of one unused token only
     * one succeeds (`expectUnused`); the other sees false.
     */
    async rotateRefreshToken(input: {
      previousId: string;
      expectUnused: boolean;
      /** Grace path: the successor the client never received, invalidated now. */
      supersededId?: string;
      now: Date;
      next: { id: string; hash: string; expiresAt: Date; sessionId: string };
    }): Promise<boolean> {
      return db
        .transaction(async (tx) => {
          const condition = input.expectUnused
            ? and(eq(refreshTokens.id, input.previousId), isNull(refreshTokens.usedAt))
            : eq(refreshTokens.id, input.previousId);
          const updated = await tx
            .update(refreshTokens)
            .set({
              usedAt: input.expectUnused ? input.now : sql`${refreshTokens.usedAt}`,
              replacedById: input.next.id,
            })
            .where(condition)
            .returning({ id: refreshTokens.id });
          if (updated.length === 0) return false;
          if (input.supersededId !== undefined) {
            const superseded = await tx
              .update(refreshTokens)
              .set({ usedAt: input.now, expiresAt: input.now })
              .where(and(eq(refreshTokens.id, input.supersededId), isNull(refreshTokens.usedAt)))
              .returning({ id: refreshTokens.id });
            if (superseded.length === 0) {
              tx.rollback();
            }
          }
          await tx.insert(refreshTokens).values({
            id: input.next.id,
            sessionId: input.next.sessionId,
            tokenHash: input.next.hash,
            createdAt: input.now,
            expiresAt: input.next.expiresAt,
          });
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Rollback') return false;
          throw error;
        });
    },
    async revokeSession(sessionId: string, reason: string, at: Date): Promise<void> {
      await db
        .update(sessions)
        .set({ revokedAt: at, revokedReason: reason })
        .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
    },
    /** Returns how many sessions were ended. */
    /** Ends every other active session of the user (a password change); `keep` stays. */
    async revokeOtherSessions(
      userId: string,
      keep: string,
      reason: string,
      at: Date,
    ): Promise<number> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: at, revokedReason: reason })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), ne(sessions.id, keep)))
        .returning({ id: sessions.id });
      return rows.length;
    },
    async revokeUserSessions(userId: string, reason: string, at: Date): Promise<number> {
      const rows = await db
        .update(sessions)
        .set({ revokedAt: at, revokedReason: reason })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      return rows.length;
    },
    async loadSessionPrincipal(sessionId: string): Promise<SessionPrincipal | undefined> {
      const [row] = await db
        .select({
          sessionId: sessions.id,
          sessionRevokedAt: sessions.revokedAt,
          sessionExpiresAt: sessions.expiresAt,
          user: {
            id: users.id,
            username: users.username,
            displayName: users.displayName,
            role: users.role,
            districtId: users.districtId,
            specialties: users.specialties,
            mustChangePassword: users.mustChangePassword,
            disabledAt: users.disabledAt,
          },
          device: {
            id: devices.id,
            clinicId: devices.clinicId,
            districtId: clinics.districtId,
            label: devices.label,
            enrolledAt: devices.enrolledAt,
            lastSeenAt: devices.lastSeenAt,
            revokedAt: devices.revokedAt,
          },
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .innerJoin(devices, eq(devices.id, sessions.deviceId))
        .innerJoin(clinics, eq(clinics.id, devices.clinicId))
        .where(eq(sessions.id, sessionId))
        .limit(1);
      if (row === undefined) return undefined;
      const clinicIds = (await membershipsOf([row.user.id])).get(row.user.id) ?? [];
      return { ...row, user: { ...row.user, clinicIds } };
    },
    /** Of these sessions, the ones no longer usable (revoked, expired, device revoked, user disabled). */
    async inactiveSessions(sessionIds: readonly string[], now: Date): Promise<Set<string>> {
      if (sessionIds.length === 0) return new Set();
      const rows = await db
        .select({
          id: sessions.id,
          revokedAt: sessions.revokedAt,
          expiresAt: sessions.expiresAt,
          deviceRevokedAt: devices.revokedAt,
          disabledAt: users.disabledAt,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .innerJoin(devices, eq(devices.id, sessions.deviceId))
        .where(inArray(sessions.id, [...sessionIds]));
      const active = new Set(
        rows
          .filter(
            (row) =>
              row.revokedAt === null &&
              row.deviceRevokedAt === null &&
              row.disabledAt === null &&
              row.expiresAt.getTime() > now.getTime(),
          )
          .map((row) => row.id),
      );
      return new Set(sessionIds.filter((id) => !active.has(id)));
    },

    // --- quarantine -------------------------------------------------------------
    async quarantine(entry: typeof quarantine.$inferInsert): Promise<void> {
      await db.insert(quarantine).values(entry);
    },
    async listQuarantine(filter: { deviceIds?: readonly string[] } = {}) {
      if (filter.deviceIds !== undefined && filter.deviceIds.length === 0) return [];
      return db
        .select({
          id: quarantine.id,
          deviceId: quarantine.deviceId,
          userId: quarantine.userId,
          receivedAt: quarantine.receivedAt,
          bytes: sql<number>`octet_length(${quarantine.body})`,
          summary: quarantine.summary,
          reviewedAt: quarantine.reviewedAt,
        })
        .from(quarantine)
        .where(
          filter.deviceIds === undefined
            ? undefined
            : inArray(quarantine.deviceId, [...filter.deviceIds]),
        )
        .orderBy(desc(quarantine.receivedAt))
        .limit(500);
    },
  };
}

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;
