import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, patients, updateLog } from '../src/db/schema';
import { DEMO_CLINIC, DEMO_PATIENTS, DEMO_SEED_DEVICE, seedDemo } from '../src/services/demo-seed';
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
      });
    expect(await seedDemo(db, { now: () => Date.UTC(2025, 5, 1) })).toEqual({ created: true });
    const [patientRows] = await db
      .select({ n: count() })
      .from(patients)
      .where(eq(patients.clinicId, DEMO_CLINIC.id));
    expect(Number(patientRows?.n)).toBe(DEMO_PATIENTS);
    const log = await db.select().from(updateLog);
    expect(log.every((row) => row.deviceId === DEMO_SEED_DEVICE && row.localSeq !== null)).toBe(
      true,
    );
    const before = await snapshot();
    expect(await seedDemo(db, { now: () => Date.UTC(2025, 5, 2) })).toEqual({ created: false });
    expect(await snapshot()).toBe(before);
  });
});
