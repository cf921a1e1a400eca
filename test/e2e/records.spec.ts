/**
 * Local-first records: a health worker registers and records with no signal,
 * and nothing she typed is lost — not by a reload, not by the browser being
 * killed right after "Saved". When the link returns, it reaches the server and
 * a colleague's tablet.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import { chromiumPath } from '../support/chromium';
import {
  expectAllSent,
  PatientScreen,
  PatientsScreen,
  LockScreen,
  SetupScreen,
  syncNow,
  type Person,
} from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

const AMINA: Person = {
  givenName: 'Amina',
  familyName: 'Fictiona',
  sex: 'Female',
  ageYears: 46,
  pregnant: false,
  village: 'Kijiji Cha Majaribio',
  conditions: 'hypertension',
};

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('offline, she registers a patient and records vitals; a reload keeps them; online they reach a colleague', async ({
  page,
  context,
  browser,
}) => {
  // Two tablets, each set up with a sign-in and a PIN, and a password unlock after the reload.
  test.setTimeout(120_000);
  server = await startOutpost();
  const patients = await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  await expectAllSent(page);

  await context.setOffline(true);
  await expect(page.getByTestId('connection')).toHaveText(/Offline/);
  const register = await patients.openRegistration();
  const patient = await register.register(AMINA);
  const visit = await patient.startVisit();
  await visit.record(
    {
      'Heart rate': '96',
      'Breathing rate': '22',
      'Oxygen saturation (SpO2)': '95',
      'Blood pressure — systolic': '150',
      'Blood pressure — diastolic': '95',
      Temperature: '37.9',
    },
    { alert: true, roomAir: true },
  );
  await expect(visit.riskBand).toHaveAttribute('data-complete', 'true');
  await expect(page.getByTestId('sync-pending')).toHaveText(/changes? waiting to be sent/);

  // A reload with no network: her password reopens the tablet, and everything is still there.
  await page.reload();
  await new LockScreen(page).unlockAs(server.account('Neema'));
  await expect(visit.observations).toContainText('96');
  await expect(visit.riskBand).toBeVisible();
  await page.getByRole('link', { name: 'Patients' }).click();
  await patients.search('amina');
  await expect(patients.row(/Amina Fictiona/)).toBeVisible();

  // The link returns: the work leaves the tablet.
  await context.setOffline(false);
  await syncNow(page);
  await expectAllSent(page);

  // A colleague's tablet (another browser profile) of the same clinic sees it.
  const colleague = await browser.newContext();
  try {
    const other = await colleague.newPage();
    const theirPatients = await new SetupScreen(other).setUp(server, 'Baraka');
    await theirPatients.search('Fictiona');
    await theirPatients.row(/Amina Fictiona/).click();
    await expect(new PatientScreen(other).name).toContainText('Amina Fictiona');
    await expect(other.getByTestId('latest-vitals')).toContainText('96');
    await expect(other.getByTestId('visits')).toContainText(/High|Medium|Low/);
  } finally {
    await colleague.close();
  }
});

test('killing the browser right after "Saved" loses nothing', async () => {
  server = await startOutpost();
  const profile = mkdtempSync(join(tmpdir(), 'outpost-profile-'));
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  let context: BrowserContext = await launch();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const patients = await new SetupScreen(page).setUp(server, 'Neema');
    await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
    // Offline, so the record can only come back from this tablet's own storage.
    await context.setOffline(true);
    const register = await patients.openRegistration();
    const patient = await register.register({ ...AMINA, givenName: 'Kifo', familyName: 'Ghafla' });
    const visit = await patient.startVisit();
    await visit.record({ 'Heart rate': '101', Temperature: '38.4' });

    // Power loss: the browser dies at once, no clean shutdown.
    execFileSync('pkill', ['-9', '-f', `user-data-dir=${profile}`]);
    // Playwright may wait for a clean close that never comes: do not wait long.
    await Promise.race([
      context.close().catch(() => undefined),
      new Promise((r) => setTimeout(r, 3000)),
    ]);

    context = await launch();
    const again = context.pages()[0] ?? (await context.newPage());
    await context.setOffline(true);
    await again.goto(server.url).catch(() => undefined); // served by the service worker
    await new LockScreen(again).unlockAs(server.account('Neema'));
    const list = new PatientsScreen(again);
    await expect(list.heading).toBeVisible();
    await list.search('Ghafla');
    await list.row(/Kifo Ghafla/).click();
    await expect(again.getByTestId('latest-vitals')).toContainText('101');
    await expect(again.getByTestId('latest-vitals')).toContainText('38.4');
  } finally {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
});
