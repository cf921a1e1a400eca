import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { loadTabletSetup, saveTabletSetup } from './store';

describe("the tablet's setup", () => {
  it('is absent on a new tablet, then kept once saved (in IndexedDB, not localStorage)', async () => {
    expect(await loadTabletSetup()).toBeUndefined();
    const setup = {
      clinicId: '01930000-0000-7000-8000-0000000c1c01',
      clinicName: 'Test Clinic (fictional)',
      userId: '01930000-0000-7000-8000-00000000a001',
      userName: 'Neema',
    };
    await saveTabletSetup(setup);
    expect(await loadTabletSetup()).toEqual(setup);
    await saveTabletSetup({ ...setup, userName: 'Baraka' });
    expect((await loadTabletSetup())?.userName).toBe('Baraka');
  });
});
