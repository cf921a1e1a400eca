import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { describe, expect, it } from 'vitest';
import { TabletDb, eraseTabletData } from './tablet-db';

describe("the tablet's own database", () => {
  it('upgrades a tablet set up before sign-in: the stand-in setup (clinic and typed name) is dropped', async () => {
    const name = 'outpost-tablet-upgrade-test';
    const old = new Dexie(name);
    old.version(1).stores({ setup: 'key' });
    await old.table('setup').put({
      key: 'setup',
      clinicId: '01930000-0000-7000-8000-0000000c1c01',
      clinicName: 'Test Clinic (fictional)',
      userId: '01930000-0000-7000-8000-00000000a001',
      userName: 'Neema',
    });
    old.close();

    const db = await TabletDb.open({ name });
    expect(await db.device()).toBeUndefined();
    expect(await db.users()).toEqual([]);
    db.close();
    const raw = new Dexie(name);
    await raw.open();
    expect(raw.verno).toBe(2);
    expect(raw.tables.map((table) => table.name).sort()).toEqual(['auditQueue', 'device', 'users']);
    raw.close();
  });

  it('keeps audit events in order until they are dropped, and erases every Outpost database', async () => {
    const name = 'outpost-tablet-erase-test';
    const db = await TabletDb.open({ name });
    await db.queueAudit([
      { action: 'lock', outcome: 'success', userId: null, docId: null, deviceTime: 1 },
      { action: 'unlock', outcome: 'success', userId: null, docId: null, deviceTime: 2 },
    ]);
    const queued = await db.queuedAudit(10);
    expect(queued.map((event) => event.action)).toEqual(['lock', 'unlock']);
    await db.dropAudit([queued[0]!.id!]);
    expect((await db.queuedAudit(10)).map((event) => event.action)).toEqual(['unlock']);
    db.close();

    const clinic = new Dexie('outpost-clinic-0190a000-0000-7000-8000-00000000e1e1');
    clinic.version(1).stores({ meta: 'key' });
    await clinic.open();
    clinic.close();
    await eraseTabletData({ name, clinicIds: ['0190a000-0000-7000-8000-00000000e1e1'] });
    const names = (await indexedDB.databases()).map((entry) => entry.name);
    expect(names).not.toContain(name);
    expect(names.filter((entry) => entry?.startsWith('outpost-clinic-'))).toEqual([]);
  });
});
