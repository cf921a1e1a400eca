import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { NEXT_VERSION, webBuildDir, webNextBuildDir } from '../support/paths';
import { LockScreen, SetupScreen } from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('a new tablet opens Outpost on the setup screen, then the patient list', async ({ page }) => {
  server = await startOutpost();
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Set up this tablet' })).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText(/Online/);
  await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('sync-status')).toBeVisible();
});

test('a wrong enrollment code is refused next to the field; a good one leads to sign-in', async ({
  page,
}) => {
  server = await startOutpost();
  await page.goto(server.url);
  const setup = new SetupScreen(page);
  await expect(setup.heading).toBeVisible();
  await page.getByRole('button', { name: 'Enroll this tablet' }).click();
  await expect(page.getByText('Type the enrollment code')).toBeVisible();
  await expect(page.getByText('Give this tablet a name')).toBeVisible();
  await page.getByLabel('Enrollment code').fill('AAAA-BBBB-CCCC');
  await page.getByLabel('Name of this tablet').fill('Maternity tablet 2');
  await page.getByRole('button', { name: 'Enroll this tablet' }).click();
  await expect(page.getByLabel('Enrollment code')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#setup-code-error')).toHaveText(/unknown, already used or expired/);
  await setup.enroll(server.takeEnrollmentCode(), 'Maternity tablet 2');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Tablet “Maternity tablet 2”')).toBeVisible();
});

test('offline before the tablet is ready, a screen not yet stored says so in words', async ({
  browser,
}) => {
  server = await startOutpost();
  // No service worker: the state of a tablet whose link dropped before it finished preparing.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).not.toHaveText(/Ready to work offline/);

  await context.setOffline(true);
  await page.getByRole('link', { name: 'This tablet' }).click();
  const error = page.getByTestId('error-page');
  await expect(error).toContainText('has not finished preparing to work offline');
  await expect(error).toContainText('Everything already saved on this tablet is safe.');
  await error.getByRole('link', { name: 'Go to patients' }).click();
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();

  // Online again, a mistyped address is "not found", not a crash.
  await context.setOffline(false);
  await page.goto(`${server.url}/no-such-screen`);
  await new LockScreen(page).unlockAs(server.account('Neema'));
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await context.close();
});

test('after one online visit the app opens with the network cut', async ({ page, context }) => {
  server = await startOutpost();
  const patients = await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);

  await context.setOffline(true);
  await page.reload();
  // A restart forgets the key: her password opens the tablet again, offline.
  await new LockScreen(page).unlockAs(server.account('Neema'));
  await expect(patients.heading).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText(/Offline/);

  // A deep link (client-side route) also opens offline from the cached shell.
  await page.goto(`${server.url}/patients/new`);
  await new LockScreen(page).unlockAs(server.account('Neema'));
  await expect(page.getByRole('heading', { name: 'Register a patient' })).toBeVisible();
});

test('the app opens offline even when the server is gone', async ({ page }) => {
  server = await startOutpost();
  const patients = await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  const neema = server.account('Neema');
  await server.stop();
  server = undefined;
  await page.reload();
  await new LockScreen(page).unlockAs(neema);
  await expect(patients.heading).toBeVisible();
});

test('when a new version is deployed the app offers to update, then runs it', async ({ page }) => {
  const webDir = mkdtempSync(join(tmpdir(), 'outpost-web-'));
  cpSync(webBuildDir, webDir, { recursive: true });
  server = await startOutpost({ webDir });
  await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  const firstVersion = await page.getByTestId('app-version').textContent();
  expect(firstVersion).not.toBe(NEXT_VERSION);
  await expect(page.getByText('Update available')).toHaveCount(0);

  // Deploy: the server's web directory now holds the next build.
  rmSync(webDir, { recursive: true, force: true });
  cpSync(webNextBuildDir, webDir, { recursive: true });
  await page.reload();

  const prompt = page.getByRole('status').filter({ hasText: 'Update available' });
  await expect(prompt).toBeVisible();
  await prompt.getByRole('button', { name: 'Reload to update' }).click();
  await expect(page.getByTestId('app-version')).toHaveText(NEXT_VERSION);
  await expect(page.getByText('Update available')).toHaveCount(0);
  rmSync(webDir, { recursive: true, force: true });
});

test('the update prompt waits while a form holds unsaved input', async ({ page }) => {
  const webDir = mkdtempSync(join(tmpdir(), 'outpost-web-'));
  cpSync(webBuildDir, webDir, { recursive: true });
  server = await startOutpost({ webDir });
  const patients = await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);

  // She starts typing a registration…
  const register = await patients.openRegistration();
  await page.getByLabel('Given name').fill('Halima');

  // …while a new version is deployed and installed in the background.
  rmSync(webDir, { recursive: true, force: true });
  cpSync(webNextBuildDir, webDir, { recursive: true });
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration?.update();
  });
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return registration?.waiting !== null && registration?.waiting !== undefined;
  });
  // Nothing may offer to reload over her typing.
  await page.waitForTimeout(500);
  await expect(page.getByText('Update available')).toHaveCount(0);
  await expect(page.getByLabel('Given name')).toHaveValue('Halima');

  // Once the form is clear, the prompt appears.
  await page.getByLabel('Given name').fill('');
  await expect(register.heading).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Update available' })).toBeVisible();
  rmSync(webDir, { recursive: true, force: true });
});
