import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DATA_MARKER, openEmbedded } from '../src/db/database';
import { clinics } from '../src/db/schema';
import { DEMO_CLINIC, seedDemo } from '../src/services/demo-seed';
import { TEST_SCRYPT } from '../src/auth/passwords';
import { StartupError } from '../src/startup-error';
import { databaseKinds, migrationsDir } from './support/databases';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-data-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
}

describe('the embedded data directory', () => {
  it('keeps its data across a restart', async () => {
    const dir = join(tempDir(), 'data');
    const first = await openEmbedded(dir, '2026-01-01T00:00:00Z');
    await first.migrate(migrationsDir);
    await seedDemo(first.db, { scrypt: TEST_SCRYPT });
    await first.close();

    const second = await openEmbedded(dir, '2026-01-02T00:00:00Z');
    const rows = await second.db.select().from(clinics);
    await second.close();
    expect(rows.map((row) => row.id)).toEqual([DEMO_CLINIC.id]);
    expect(JSON.parse(readFileSync(join(dir, DATA_MARKER), 'utf8'))).toMatchObject({
      app: 'outpost',
      createdAt: '2026-01-01T00:00:00Z',
    });
  }, 90_000);

  it('refuses a foreign non-empty directory and leaves it untouched', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'thesis.docx'), 'precious');
    const before = snapshot(dir);
    await expect(openEmbedded(dir, '2026-01-01T00:00:00Z')).rejects.toThrow(
      /not an Outpost data directory/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a directory whose marker is corrupt, without touching it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, DATA_MARKER), '{"app": "outp');
    const before = snapshot(dir);
    await expect(openEmbedded(dir, '2026-01-01T00:00:00Z')).rejects.toThrow(/unreadable .*corrupt/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses another program's marker and a newer data format", async () => {
    const foreign = tempDir();
    writeFileSync(join(foreign, DATA_MARKER), '{"app": "other", "format": 1}');
    await expect(openEmbedded(foreign, 'x')).rejects.toThrow(/another program/);
    const newer = tempDir();
    writeFileSync(join(newer, DATA_MARKER), '{"app": "outpost", "format": 99}');
    await expect(openEmbedded(newer, 'x')).rejects.toThrow(/newer Outpost/);
  });

  it('refuses a corrupt database with a clear error, not a crash', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, DATA_MARKER), '{"app": "outpost", "format": 1, "createdAt": "x"}');
    mkdirSync(join(dir, 'pglite'));
    writeFileSync(join(dir, 'pglite', 'PG_VERSION'), 'garbage\n');
    const error = await openEmbedded(dir, 'x').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/could not be opened/);
    expect(readFileSync(join(dir, 'pglite', 'PG_VERSION'), 'utf8')).toBe('garbage\n');
  });

  it('lets only one process use it at a time', async () => {
    const dir = join(tempDir(), 'data');
    const first = await openEmbedded(dir, 'x');
    try {
      writeFileSync(join(dir, 'outpost.lock'), String(process.ppid));
      await expect(openEmbedded(dir, 'x')).rejects.toThrow(/in use by another Outpost process/);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, 'outpost.lock'))).toBe(false);
  });
});

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`migrations and the demo seed on ${kind.name}`, () => {
    it('applies migrations twice without change and seeds the demo clinic once', async () => {
      const testDb = await kind.open();
      try {
        await testDb.database.migrate(migrationsDir);
        expect(await seedDemo(testDb.database.db, { scrypt: TEST_SCRYPT })).toMatchObject({
          created: true,
        });
        const before = await testDb.database.db.select().from(clinics);
        expect(await seedDemo(testDb.database.db, { scrypt: TEST_SCRYPT })).toEqual({
          created: false,
        });
        const after = await testDb.database.db.select().from(clinics);
        expect(after).toEqual(before);
        expect(after).toHaveLength(1);
      } finally {
        await testDb.close();
      }
    });
  });
}
