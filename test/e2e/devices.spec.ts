/**
 * Vitals from devices, in a real Chromium with simulated devices standing in
 * for `navigator.bluetooth` and `navigator.serial` (web/src/lib/devices/
 * simulated.ts): the real adapters, parsers and screens run; only the radio
 * and the cable are pretend. The simulators' controls are
 * `window.__outpostSimulator` (measure, dropConnection, degrade …).
 */
import { expect, test, type Page } from '@playwright/test';
import {
  LockScreen,
  SetupScreen,
  type PatientsScreen,
  type Person,
  type TabletServer,
  type VisitScreen,
} from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

const JUMA: Person = {
  givenName: 'Juma',
  familyName: 'Devicetest',
  sex: 'Male',
  ageYears: 58,
  village: 'Kijiji Cha Majaribio',
};

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Installs the simulated devices before the app loads (as a Playwright init script). */
async function withSimulatedDevices(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (
      window as unknown as { __OUTPOST_SIMULATED_DEVICES__: { seed: number } }
    ).__OUTPOST_SIMULATED_DEVICES__ = { seed: 7 };
  });
}

/** The simulators' controls in the page (web/src/lib/devices/simulated.ts). */
interface Simulators {
  readonly bluetooth: {
    readonly bloodPressure: { measure(): void; dropConnection(): void; refuseConnections: number };
  };
  readonly serial: { readonly oximeter: { degrade(level: number): void } };
}
type SimAction = 'measureBp' | 'dropBpOnce' | 'degradeOximeter';

/** Works the simulators in the page, as a trainer would. */
async function simulator(page: Page, action: SimAction): Promise<void> {
  await page.evaluate((what) => {
    const sim = (window as unknown as { __outpostSimulator: Simulators }).__outpostSimulator;
    const cuff = sim.bluetooth.bloodPressure;
    if (what === 'measureBp') cuff.measure();
    else if (what === 'dropBpOnce') {
      cuff.refuseConnections = 1;
      cuff.dropConnection();
    } else sim.serial.oximeter.degrade(1);
  }, action);
}

async function openVisit(page: Page, tablet: TabletServer): Promise<VisitScreen> {
  const patients: PatientsScreen = await new SetupScreen(page).setUp(tablet, 'Neema');
  const register = await patients.openRegistration();
  const patient = await register.register(JUMA);
  return patient.startVisit();
}

/**
 * Lets `minutes` of monitoring pass on the fake clock while the nurse stays at
 * the bedside: she touches the tablet each minute, so the 2-minute idle lock
 * (which would hide the monitor) does not start.
 */
async function watchFor(page: Page, minutes: number): Promise<void> {
  for (let elapsed = 0; elapsed < minutes; elapsed += 0.5) {
    await page.keyboard.press('Shift');
    await page.clock.runFor(Math.round(Math.min(0.5, minutes - elapsed) * 60_000));
  }
}

function deviceItem(page: Page, name: string) {
  return page.locator('li.device').filter({ hasText: name });
}

test('she pairs the BP cuff, takes a reading, accepts it: the visit shows it from the device and scores it', async ({
  page,
}) => {
  await withSimulatedDevices(page);
  server = await startOutpost();
  const visit = await openVisit(page, server);

  await page.getByRole('button', { name: 'Pair Blood pressure cuff' }).click();
  const cuff = deviceItem(page, 'Training BP cuff');
  await expect(cuff.locator('.status')).toHaveText('Connected');

  await simulator(page, 'measureBp');
  const pending = page.getByRole('region', { name: /New reading from Training BP cuff/ });
  await expect(pending).toBeVisible();
  await expect(pending).toContainText('Blood pressure — systolic');
  const systolic = await pending
    .locator('.value')
    .filter({ hasText: 'Blood pressure — systolic' })
    .locator('.big')
    .textContent();
  expect(Number(systolic)).toBeGreaterThan(100);

  await pending.getByRole('button', { name: 'Accept reading' }).click();
  await expect(page.getByTestId('visit-message')).toHaveText(/Saved on this tablet/);
  await expect(pending).toBeHidden();
  const recorded = visit.observations
    .locator('li')
    .filter({ hasText: 'Blood pressure — systolic' });
  await expect(recorded).toContainText(String(systolic));
  await expect(recorded).toContainText('from device Training BP cuff');
  await expect(visit.observations.locator('li').filter({ hasText: 'Heart rate' })).toContainText(
    'from device Training BP cuff',
  );
  // Scored from the device's values (incomplete until the rest is measured).
  await expect(visit.riskBand).toBeVisible();
  await expect(visit.riskBand).toHaveAttribute('data-complete', 'false');
  await expect(visit.riskBand).toContainText(/NEWS2 at least \d/);

  // The link drops: the panel says so in words, retries, and is connected again.
  await simulator(page, 'dropBpOnce');
  await expect(cuff.locator('.status')).toHaveText(/Connection lost — trying again \(attempt \d\)/);
  await expect(cuff.locator('.status')).toHaveText('Connected', { timeout: 20_000 });

  // Connected again, a new reading still arrives.
  await simulator(page, 'measureBp');
  await expect(pending).toBeVisible();
});

test('in a browser without Bluetooth, serial or USB, the panel says so plainly and typed entry works', async ({
  page,
}) => {
  await page.addInitScript(() => {
    for (const api of ['bluetooth', 'serial', 'usb']) {
      delete (Navigator.prototype as unknown as Record<string, unknown>)[api];
      delete (navigator as unknown as Record<string, unknown>)[api];
    }
  });
  server = await startOutpost();
  const visit = await openVisit(page, server);
  const devices = page.getByRole('region', { name: 'Devices' });
  await expect(devices).toContainText(
    'This browser cannot reach Bluetooth devices. Type the values in the form below.',
  );
  await expect(devices.getByRole('button', { name: /^Pair / })).toHaveCount(0);
  await visit.record({ 'Heart rate': '88', 'Oxygen saturation (SpO2)': '97' });
  await expect(visit.observations).toContainText('88');
  await expect(visit.observations).toContainText('typed');
});

test('monitoring with the USB oximeter: a summary per minute in the record, an alert when the patient degrades, and it survives a reload', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.clock.install();
  await withSimulatedDevices(page);
  server = await startOutpost();
  await openVisit(page, server);

  await page.getByRole('button', { name: 'Connect USB pulse oximeter' }).click();
  await expect(page.getByTestId('live-spo2')).toHaveText(/^\d+%$/);
  const monitor = page.getByTestId('monitor');
  await monitor.getByRole('button', { name: /Start monitoring with/ }).click();
  await expect(page.getByTestId('monitor-status')).toContainText('Monitoring since');

  // Three accelerated minutes of a healthy patient.
  await watchFor(page, 3);
  await expect(page.getByTestId('monitor-minute-count')).toHaveText(/^[23] minutes summarised$/);
  const rows = page.getByTestId('monitor-minutes').locator('tbody tr');
  await expect(rows.first()).toContainText(/9\d \/ 9\d(\.5)? \/ 9\d/);
  await expect(monitor.getByRole('alert')).toHaveCount(0);
  await expect(monitor).toContainText('No trend alert.');

  // She leaves the bedside: after 2 idle minutes the tablet locks itself and
  // hides the monitor — but the patient is still being recorded while it is locked.
  const beforeLock = Number(
    (await page.getByTestId('monitor-minute-count').textContent())?.match(/\d+/)?.[0],
  );
  const lock = new LockScreen(page);
  for (let minute = 0; minute < 6; minute++) await page.clock.runFor(60_000);
  await expect(lock.pinPrompt).toBeVisible();
  await expect(page.getByTestId('monitor')).toBeHidden();
  await lock.unlockWithPin(server.account('Neema').pin);
  await expect(page.getByTestId('monitor-status')).toContainText('Monitoring since');
  // Six more minutes summarised (give or take the minute in progress): no gap while locked.
  await expect(page.getByTestId('monitor-minute-count')).toHaveText(/^\d+ minutes summarised$/);
  const afterLock = Number(
    (await page.getByTestId('monitor-minute-count').textContent())?.match(/\d+/)?.[0],
  );
  expect(afterLock - beforeLock).toBeGreaterThanOrEqual(5);
  await expect(page.getByText('Monitoring continues after the page was reloaded.')).toBeHidden();

  // The patient degrades: SpO2 drifts down and the pulse up.
  await simulator(page, 'degradeOximeter');
  await watchFor(page, 2.5);
  const alert = monitor.locator('.alert[data-kind^="spo2"]');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(/SpO2 (has fallen|is) below the target band/);
  await expect(alert).toContainText(/SpO2 \d+(\.5)?% .* is below the target band ≥96% \(Scale 1\)/);
  await expect(alert).toContainText(/Minute medians: .*\d/);
  const before = Number(
    (await page.getByTestId('monitor-minute-count').textContent())?.match(/\d+/)?.[0],
  );
  expect(before).toBeGreaterThanOrEqual(4);

  // A reload (her password opens the tablet again): the session continues from what the tablet stored.
  await page.reload();
  await new LockScreen(page).unlockAs(server.account('Neema'));
  await expect(page.getByTestId('monitor-status')).toContainText('Monitoring since');
  await expect(page.getByText('Monitoring continues after the page was reloaded.')).toBeVisible();
  await expect(page.getByTestId('monitor-minute-count')).toHaveText(
    new RegExp(`^${before} minutes summarised$`),
  );
  await expect(page.getByTestId('monitor-samples')).not.toHaveText('0 seconds recorded');
  await expect(page.getByTestId('live-spo2')).toBeVisible({ timeout: 20_000 });
  await watchFor(page, 1.5);
  await expect(page.getByTestId('monitor-minute-count')).not.toHaveText(
    new RegExp(`^${before} minutes summarised$`),
  );

  // Stopping closes the session; its summary stays in the record.
  await monitor.getByRole('button', { name: 'Stop monitoring' }).click();
  await expect(page.getByTestId('monitor-status')).toBeHidden();
  await expect(page.getByTestId('monitor-past')).toContainText(/Monitoring .* – .* with/);
  await expect(page.getByTestId('monitor-past')).toContainText(/\d+ minutes summarised/);

  // The raw stream stays on the tablet — unless she attaches a window of it to a consult.
  await page.getByTestId('ask-specialist').getByRole('link', { name: 'Ask a specialist' }).click();
  const attach = page.getByTestId('attach-monitoring');
  await expect(attach).toBeVisible();
  await expect(attach.getByRole('radio', { name: 'Do not attach' })).toBeChecked();
  await attach.getByRole('radio', { name: 'Last 15 minutes' }).check();
  await page.getByLabel('Specialty').selectOption('general-medicine');
  await page.getByLabel('Your question').fill('SpO2 drifting down over the last minutes. Oxygen?');
  await page.getByRole('button', { name: 'Send to a specialist' }).click();
  // Online: it leaves at once (the window travels inside the consult).
  await expect(page.getByTestId('consult-status')).toHaveText(/^(Sent|Received by the server)$/);
  const recording = page.getByText('Monitoring attached by the clinic').locator('..');
  // The whole session fits in 15 minutes; the reload left a short gap.
  await expect(recording).toContainText(/\((1[0-5]) min\), readings during \d+ % of it/);
  await expect(recording).toContainText('Lowest');
});
