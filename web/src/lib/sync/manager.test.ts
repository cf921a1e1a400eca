import { afterEach, describe, expect, test, vi } from 'vitest';
import { createHarness, savePersona } from '../db/testing';
import { SyncManager } from './manager.svelte';
import { ControlledTransport, FakeSyncServer } from './testing';

const managers: SyncManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.stop();
});

async function setUp() {
  const server = new FakeSyncServer();
  const harness = createHarness('memory');
  const store = await harness.open();
  const transport = new ControlledTransport((body) =>
    server.handle({ deviceId: store.deviceId, clinicId: store.clinicId }, body),
  );
  const manager = new SyncManager();
  managers.push(manager);
  return { server, harness, store, transport, manager };
}

describe('SyncManager', () => {
  test('a successful sync leaves nothing waiting and records when it happened', async () => {
    const { store, transport, manager, harness, server } = await setUp();
    await savePersona(store, 'childWithFever');
    manager.start({ store, transport, clock: harness.clock, intervalMs: 3_600_000 });
    await manager.syncNow();
    expect(server.log).toHaveLength(1);
    expect(manager.waiting).toBe(0);
    expect(manager.lastSuccessAt).toBe(harness.clock.now());
    expect(manager.lastError).toBeUndefined();
    expect(manager.reachable).toBe(true);
    expect(manager.progress).toMatchObject({ pushedRecords: 1, waiting: 0 });
  });

  test('the waiting count follows changes saved while it runs', async () => {
    const { store, transport, manager, harness } = await setUp();
    manager.start({
      store,
      transport,
      clock: harness.clock,
      intervalMs: 3_600_000,
      changeDelayMs: 3_600_000,
    });
    await manager.syncNow();
    expect(manager.waiting).toBe(0);
    await savePersona(store, 'childWithFever');
    await savePersona(store, 'adultWithHypertension');
    await vi.waitFor(() => expect(manager.waiting).toBe(2));
  });

  test('an unreachable server is reported in plain words, with the work kept', async () => {
    const { store, transport, manager, harness } = await setUp();
    await savePersona(store, 'adultWithHypertension');
    transport.faults.push('dropBefore', 'dropBefore', 'dropBefore');
    manager.start({ store, transport, clock: harness.clock, intervalMs: 3_600_000 });
    await manager.syncNow();
    expect(manager.lastError).toBe(
      'The server could not be reached. Your work is saved on this tablet and will be sent when the connection returns.',
    );
    expect(manager.reachable).toBe(false);
    expect(manager.waiting).toBe(1);
  });

  test('S4 rejected changes are listed for the record screen', async () => {
    const { store, transport, manager, harness, server } = await setUp();
    const { docId } = await savePersona(store, 'elderlyManWithHeartFailure');
    server.forbidden.add(docId);
    manager.start({ store, transport, clock: harness.clock, intervalMs: 3_600_000 });
    await manager.syncNow();
    expect(manager.openRejections).toMatchObject([{ docId, code: 'forbidden' }]);
    expect(manager.waiting).toBe(0);
  });

  test('S11 a clock more than 5 minutes off raises the warning', async () => {
    const { store, transport, manager, harness, server } = await setUp();
    server.now = harness.clock.now();
    server.skewMs = 20 * 60_000;
    manager.start({ store, transport, clock: harness.clock, intervalMs: 3_600_000 });
    await manager.syncNow();
    expect(manager.clockWarning).toBe(true);
  });
});
