/**
 * The specialist queue with 10 000 open consults (issue 7): every scope's page
 * is served by an index in queue order (no sort of the whole set), and keyset
 * paging returns every consult exactly once, in order, while new ones arrive.
 * Plan and correctness only, never timing.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/database';
import { clinics, consults, districts } from '../src/db/schema';
import {
  createConsultRepository,
  type ConsultRepository,
  type QueuePosition,
  type QueueQuery,
  type QueueScope,
} from '../src/repositories/consult-repository';
import { seededRandom } from '@outpost/shared/model/fixtures';
import { databaseKinds, type TestDatabase } from './support/databases';

const OPEN_CONSULTS = 10_000;
const AWAITING = ['sent', 'received', 'opened'];
const SPECIALTIES = ['cardiology', 'dermatology', 'paediatrics', 'maternal-health'];
const T0 = Date.UTC(2026, 0, 1);

type Row = typeof consults.$inferInsert;

const compare = (a: QueuePosition, b: QueuePosition) =>
  a.priorityRank - b.priorityRank ||
  a.waitingSince.getTime() - b.waitingSince.getTime() ||
  (a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0);

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`the consult queue at 10 000 consults on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let repository: ConsultRepository;
    const random = seededRandom(7);
    const districtIds = [randomUUID(), randomUUID()];
    const clinicIds: { id: string; districtId: string }[] = [];
    const specialistId = randomUUID();
    const rows: Row[] = [];

    function consultRow(overrides: Partial<Row> = {}): Row {
      const clinic = clinicIds[Math.floor(random() * clinicIds.length)]!;
      const rank = Math.floor(random() * 3);
      const waitingSince = new Date(T0 + Math.floor(random() * 72) * 3_600_000); // ties on purpose
      const named = random() < 0.05;
      return {
        docId: `consult/${randomUUID()}`,
        clinicId: clinic.id,
        districtId: clinic.districtId,
        patientDocId: `patient/${randomUUID()}`,
        status: AWAITING[Math.floor(random() * AWAITING.length)]!,
        priority: ['emergency', 'urgent', 'routine'][rank]!,
        priorityRank: rank,
        specialty: named ? null : SPECIALTIES[Math.floor(random() * SPECIALTIES.length)]!,
        assigneeUserId: named ? specialistId : null,
        messageCount: 1,
        waitingSince,
        questionExcerpt: 'Fictional question',
        createdAt: waitingSince,
        updatedAt: waitingSince,
        ...overrides,
      };
    }

    beforeAll(async () => {
      testDb = await kind.open();
      db = testDb.database.db;
      repository = createConsultRepository(db);
      for (const [index, districtId] of districtIds.entries()) {
        await db
          .insert(districts)
          .values({ id: districtId, name: `District ${index} (fictional)` });
        for (let n = 0; n < 10; n++) {
          const id = randomUUID();
          await db
            .insert(clinics)
            .values({ id, districtId, name: `Clinic ${index}.${n} (fictional)` });
          clinicIds.push({ id, districtId });
        }
      }
      for (let n = 0; n < OPEN_CONSULTS; n++) rows.push(consultRow());
      for (let start = 0; start < rows.length; start += 1000)
        await db.insert(consults).values(rows.slice(start, start + 1000));
      await db.execute(sql`analyze consults`);
    }, 120_000);
    afterAll(async () => {
      await testDb.close();
    });

    const scopes: [string, () => QueueScope][] = [
      [
        'a specialist (by name or specialty)',
        () => ({ kind: 'routed', userId: specialistId, specialties: ['cardiology'] }),
      ],
      ['a district admin', () => ({ kind: 'district', districtId: districtIds[0]! })],
      ['a clinic', () => ({ kind: 'clinic', clinicId: clinicIds[3]!.id })],
    ];

    for (const [name, scope] of scopes) {
      it(`${name}: the page is read from an index in queue order, not sorted`, async () => {
        const query: QueueQuery = { scope: scope(), statuses: AWAITING, limit: 50 };
        for (const after of [
          undefined,
          { priorityRank: 1, waitingSince: new Date(T0 + 36 * 3_600_000), docId: 'consult/8' },
        ]) {
          const plan = await repository.explainQueue({ ...query, ...(after && { after }) });
          expect(plan, plan).toMatch(/Index Scan using consults_\w*queue/);
          expect(plan, plan).not.toMatch(/^\s*(->\s*)?(Incremental )?Sort\b/m);
          expect(plan, plan).not.toMatch(/Seq Scan on consults/);
          // The cursor is a range bound of the index scan, not a filter over every earlier row.
          if (after !== undefined)
            expect(plan, plan).toMatch(
              /Index Cond: .*ROW\(priority_rank, waiting_since, doc_id\) >/,
            );
        }
      });
    }

    it('keyset paging returns every consult exactly once, in queue order, while new ones arrive', async () => {
      for (const [, scope] of scopes) {
        const query: QueueQuery = { scope: scope(), statuses: AWAITING, limit: 100 };
        const before = new Set(
          (await repository.queue({ ...query, limit: OPEN_CONSULTS })).map((row) => row.docId),
        );
        const seen: QueuePosition[] = [];
        let after: QueuePosition | undefined;
        for (let pages = 0; pages < 200; pages++) {
          const page = await repository.queue({ ...query, ...(after && { after }) });
          const shown = page.slice(0, query.limit);
          seen.push(...shown);
          // Consults keep arriving between pages, anywhere in the order.
          await db.insert(consults).values([consultRow(), consultRow(), consultRow()]);
          if (page.length <= query.limit) break;
          after = shown.at(-1);
        }
        for (let index = 1; index < seen.length; index++)
          expect(compare(seen[index - 1]!, seen[index]!)).toBeLessThan(0);
        const seenIds = new Set(seen.map((row) => row.docId));
        expect(seenIds.size).toBe(seen.length);
        for (const docId of before) expect(seenIds.has(docId)).toBe(true);
        expect(before.size).toBeGreaterThan(100);
      }
    }, 120_000);
  });
}
