import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, enrollmentCodes, patients, ROLES, updateLog, users } from '../src/db/schema';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { DEMO_CLINIC, DEMO_PATIENTS, DEMO_SEED_DEVICE, seedDemo } from '../src/services/demo-seed';
import { SERVER_ACTOR_ID } from '../src/consults/server-author';
import { pgliteKind, type TestDatabase } from './support/databases';

describe('the demo seed', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await pgliteKind.open();
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('S3 stores fictional records through the sync path; a second run changes nothing', async () => {
    const db = testDb.database.db;
    const snapshot = async () =>
      JSON.stringify({
        log: await db.select().from(updateLog).orderBy(asc(updateLog.seq)),
        documents: await db.select().from(documents).orderBy(asc(documents.docId)),
        patients: await db.select().from(patients).orderBy(asc(patients.docId)),
        users: await db.select().from(users).orderBy(asc(users.id)),
        codes: await db.select().from(enrollmentCodes).orderBy(asc(enrollmentCodes.id)),
      });
    const first = await seedDemo(db, { now: () => Date.UTC(2025, 5, 1), scrypt: TEST_SCRYPT });
    expect(first.created).toBe(true);
    // One user per role and an enrollment code, shown this first time only.
    expect(first.credentials?.users.map((user) => user.role).sort()).toEqual([...ROLES].sort());
    expect(first.credentials?.enrollmentCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const demoUsers = await db.select().from(users);
    expect(demoUsers.every((user) => /fictional/.test(user.displayName))).toBe(true);
    expect(
      demoUsers.every((user) => !user.passwordHash.includes(first.credentials!.users[0]!.password)),
    ).toBe(true);
    const [patientRows] = await db
      .select({ n: count() })
      .from(patients)
      .where(eq(patients.clinicId, DEMO_CLINIC.id));
    expect(Number(patientRows?.n)).toBe(DEMO_PATIENTS);
    const log = await db.select().from(updateLog);
    // The seed's pushes, and the server's own `received` on each sent consult (consults/received.ts).
    expect(
      log.every(
        (row) =>
          (row.deviceId === DEMO_SEED_DEVICE && row.localSeq !== null) ||
          (row.deviceId === SERVER_ACTOR_ID && row.localSeq === null),
      ),
    ).toBe(true);
    expect(log.some((row) => row.deviceId === SERVER_ACTOR_ID)).toBe(true);
    const before = await snapshot();
    expect(await seedDemo(db, { now: () => Date.UTC(2025, 5, 2), scrypt: TEST_SCRYPT })).toEqual({
      created: false,
    });
    expect(await snapshot()).toBe(before);
  });
});
