/**
 * A shared clinic tablet (issue 4): two health workers on one tablet, each with
 * her own password (which also unlocks offline) and PIN; the idle lock and the
 * user switch hide every patient from the page; five wrong PINs need the
 * password; a revoked tablet hands in its unsynced work and erases itself; and
 * nothing a health worker typed about a patient is readable in the browser
 * profile on disk.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import type { Account } from '../support/accounts';
import { chromiumPath } from '../support/chromium';
import {
  Header,
  LockScreen,
  PatientsScreen,
  SetupScreen,
  SignInScreen,
  PasswordChangeScreen,
  PinSetupScreen,
  syncNow,
  type PatientScreen,
  type Person,
} from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const AMANI: Person = {
  givenName: 'Amani',
  familyName: 'Siri',
  sex: 'Female',
  ageYears: 29,
  village: 'Kijiji Cha Faragha',
};

async function register(page: Page, person: Person): Promise<PatientScreen> {
  const register = await new PatientsScreen(page).openRegistration();
  return register.register(person);
}

/** Fails if any of `texts` is anywhere in the page's DOM (title included). */
async function expectNoneInPage(page: Page, texts: readonly string[]): Promise<void> {
  const html = await page.content();
  for (const text of texts) expect(html, `“${text}” is in the page`).not.toContain(text);
}

/** No serious or critical WCAG 2.1 A/AA violation on the screen as it is now. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `${screen}: axe violations`).toEqual([]);
}

/** From the lock screen: "Add a person to this tablet", sign in online, choose a PIN. */
async function addUser(page: Page, account: Account): Promise<void> {
  await page.getByRole('link', { name: 'Add a person to this tablet' }).click();
  await new SignInScreen(page).signIn(account);
  await new PinSetupScreen(page).choose(account.pin);
  await expect(new PatientsScreen(page).heading).toBeVisible();
}

test('two health workers share a tablet: each unlocks offline with her own password, and her PIN after the idle lock', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000); // two people (or tablets) signing in, each with a PIN
  await page.clock.install();
  server = await startOutpost();
  const neema = server.account('Neema');
  const baraka = server.account('Baraka');
  const header = new Header(page);
  const lock = new LockScreen(page);

  // Neema sets the tablet up, signs in, chooses her PIN and registers Amani.
  await new SetupScreen(page).setUp(server, 'Neema');
  await expect(header.currentUser).toContainText(neema.displayName);
  await register(page, AMANI);
  await header.lock();
  await expect(lock.pinPrompt).toContainText(neema.displayName);
  await expectNoneInPage(page, ['Amani', 'Siri']);
  await expectAccessible(page, 'lock screen (PIN)');

  // Baraka joins the tablet (online), with his own PIN.
  await lock.root.getByRole('button', { name: 'Switch user' }).click();
  await expect(lock.userList).toBeVisible();
  await expectAccessible(page, 'lock screen (people on this tablet)');
  await addUser(page, baraka);
  await expect(header.currentUser).toContainText(baraka.displayName);

  // The network goes: each unlocks with her own password.
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  await context.setOffline(true);
  await expect(page.getByTestId('connection')).toHaveText(/Offline/);
  let people = await header.switchUser();
  await people.unlockAs(neema);
  await expect(header.currentUser).toContainText(neema.displayName);
  const patients = new PatientsScreen(page);
  await patients.search('Amani');
  await expect(patients.row(/Amani Siri/)).toBeVisible();

  people = await header.switchUser();
  // A wrong password is refused and said so.
  await people.chooseUser(baraka);
  await people.unlockWithPassword({ password: `${baraka.password}x` });
  await expect(lock.root.getByRole('alert')).toContainText('Wrong password');
  await people.unlockWithPassword(baraka);
  await expect(lock.root).toBeHidden({ timeout: 20_000 });
  await expect(header.currentUser).toContainText(baraka.displayName);
  // Baraka sees the clinic's patients too, offline.
  await patients.search('Amani');
  await expect(patients.row(/Amani Siri/)).toBeVisible();

  // Two minutes without a touch: locked; his PIN reopens it.
  await page.clock.fastForward('02:05');
  await expect(lock.pinPrompt).toContainText(baraka.displayName);
  await expectNoneInPage(page, ['Amani', 'Siri']);
  await lock.unlockWithPin(baraka.pin);
  await expect(patients.row(/Amani Siri/)).toBeVisible();
});

test('the idle lock after 2 minutes takes every patient name out of the page', async ({ page }) => {
  await page.clock.install();
  server = await startOutpost();
  await new SetupScreen(page).setUp(server, 'Neema');
  const patients = new PatientsScreen(page);
  await expect(patients.row(/./).first()).toBeVisible({ timeout: 20_000 });
  const names = (await page.getByTestId('patient-list').locator('.name').allTextContents())
    .map((name) => name.trim())
    .filter((name) => name !== '');
  expect(names.length).toBeGreaterThan(3);
  const patient = await register(page, AMANI);
  await expect(patient.name).toContainText('Amani Siri');
  await patient.startVisit();
  // She types a note and walks away without leaving the field.
  const note = page.getByLabel('Notes');
  await note.fill('Cough for 3 weeks, night sweats');

  // Still in use at 1 min 50 s…
  await page.clock.fastForward('01:50');
  await expect(note).toBeVisible();
  // …locked after 2 minutes without input.
  await page.clock.fastForward('00:15');
  const lock = new LockScreen(page);
  await expect(lock.pinPrompt).toBeVisible();
  await expectNoneInPage(page, ['Amani', 'Siri', 'Kijiji Cha Faragha', 'night sweats', ...names]);
  await expect(page).toHaveTitle(/locked/);

  // Her PIN brings back the visit, her note kept.
  await lock.unlockWithPin(server.account('Neema').pin);
  await expect(page.getByLabel('Notes')).toHaveValue('Cough for 3 weeks, night sweats');
});

test('five wrong PINs: the password is needed, and the PIN stays blocked for 20 minutes', async ({
  page,
}) => {
  server = await startOutpost();
  const neema = server.account('Neema');
  await new SetupScreen(page).setUp(server, 'Neema');
  const lock = await new Header(page).lock();
  const wrong = neema.pin === '000000' ? '111111' : '000000';

  for (let attempt = 1; attempt <= 4; attempt += 1) {
    await lock.unlockWithPin(wrong);
    await expect(lock.root.getByRole('alert')).toContainText('Wrong PIN');
  }
  await expect(lock.root.getByRole('alert')).toContainText('1 try left');
  await lock.unlockWithPin(wrong);

  // The key left memory: only her password opens the tablet now.
  await expect(lock.passwordPrompt).toContainText(neema.displayName);
  await expect(lock.pinPrompt).toBeHidden();
  await expectAccessible(page, 'lock screen (password)');
  await lock.unlockWithPassword(neema);
  await expect(lock.root).toBeHidden({ timeout: 20_000 });
  await expect(new PatientsScreen(page).heading).toBeVisible();

  // Locked again: the PIN pad says how long the PIN stays blocked.
  await new Header(page).lock();
  await expect(lock.root).toContainText(/The PIN works again in (19|20) minutes/);
  await expect(lock.root.getByLabel('PIN', { exact: true })).toHaveCount(0);
  await lock.root.getByRole('button', { name: 'Use my password' }).click();
  await lock.unlockWithPassword(neema);
  await expect(lock.root).toBeHidden({ timeout: 20_000 });
});

test('switching user takes two taps and leaves none of her patient in the page', async ({
  page,
}) => {
  test.setTimeout(120_000); // two people (or tablets) signing in, each with a PIN
  server = await startOutpost();
  const neema = server.account('Neema');
  const baraka = server.account('Baraka');
  const header = new Header(page);
  await new SetupScreen(page).setUp(server, 'Neema');
  let lock = await header.switchUser();
  // Baraka joins: the sign-in and PIN screens, each checked with axe.
  await page.getByRole('link', { name: 'Add a person to this tablet' }).click();
  const signIn = new SignInScreen(page);
  await signIn.fill(baraka);
  await expectAccessible(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const pin = new PinSetupScreen(page);
  await expect(pin.heading).toBeVisible({ timeout: 20_000 });
  await expectAccessible(page, 'PIN setup');
  await pin.choose(baraka.pin, '999999');
  await expect(page.getByText('The two PINs are not the same')).toBeVisible();
  await pin.choose(baraka.pin);
  await expect(header.currentUser).toContainText(baraka.displayName);

  // Neema comes back and opens Imani's record.
  lock = await header.switchUser();
  await lock.unlockAs(neema);
  const patient = await register(page, {
    givenName: 'Imani',
    familyName: 'Fumbo',
    sex: 'Female',
    ageYears: 41,
    conditions: 'asthma',
  });
  await expect(patient.name).toContainText('Imani Fumbo');

  // Tap 1: "Switch user" in the header. Tap 2: Baraka's name.
  await page.getByRole('banner').getByRole('button', { name: 'Switch user' }).click();
  await expectNoneInPage(page, ['Imani', 'Fumbo', 'asthma']);
  await lock.root.getByRole('button', { name: new RegExp(baraka.displayName) }).click();
  await expect(lock.passwordPrompt).toContainText(baraka.displayName);
  await expectNoneInPage(page, ['Imani', 'Fumbo', 'asthma']);
  await lock.unlockWithPassword(baraka);
  await expect(header.currentUser).toContainText(baraka.displayName);
});

/** A second tablet in the same browser: the district admin's, on the administration screens. */
async function adminTablet(browser: Browser, outpost: OutpostServer): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await new SetupScreen(page).setUp(outpost, 'Dalia', { label: 'District office' });
  await page.getByRole('link', { name: 'Administration' }).click();
  await expect(page.getByRole('heading', { name: 'Administration', level: 1 })).toBeVisible();
  return page;
}

test('an administrator revokes a tablet with unsynced work: it hands the work in, then erases itself', async ({
  page,
  context,
  browser,
}) => {
  // Two tablets signing in (PBKDF2 at full cost), an admin, a revocation: slow on a loaded 2-core CI.
  test.setTimeout(180_000);
  server = await startOutpost();
  await new SetupScreen(page).setUp(server, 'Neema', { label: 'Lost tablet' });
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  await expect(page.getByTestId('sync-pending')).toHaveText('All changes sent', {
    timeout: 20_000,
  });

  // Offline, she registers a patient: the change waits on the tablet.
  await context.setOffline(true);
  await register(page, { ...AMANI, givenName: 'Pendo', familyName: 'Karantini' });
  await expect(page.getByTestId('sync-pending')).toHaveText(/changes? waiting to be sent/);

  // Meanwhile the tablet is reported lost; the district admin revokes it.
  const admin = await adminTablet(browser, server);
  try {
    await expect(admin.getByTestId('admin-users')).toBeVisible();
    await expectAccessible(admin, 'administration: users');
    await admin.getByRole('link', { name: 'Tablets' }).click();
    const row = admin.getByTestId('admin-devices').getByRole('row', { name: /Lost tablet/ });
    await expectAccessible(admin, 'administration: tablets');
    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByRole('button', { name: 'Yes, do it' }).click();
    await expect(admin.getByRole('status')).toContainText('“Lost tablet” is revoked.');
    await expect(row).toContainText('Revoked');

    // The tablet comes back online and syncs: its work goes to quarantine, then it erases itself.
    await context.setOffline(false);
    await syncNow(page).catch(() => undefined); // it may sync (and erase itself) on its own first
    await expect(page.getByTestId('wiped')).toBeVisible({ timeout: 30_000 });
    await expect(new SetupScreen(page).heading).toBeVisible();
    await expectNoneInPage(page, ['Pendo', 'Karantini']);
    const databases = await page.evaluate(async () =>
      (await indexedDB.databases()).map((database) => database.name ?? ''),
    );
    expect(databases.filter((name) => name.startsWith('outpost-clinic-'))).toEqual([]);
    const tablet = await page.evaluate(async () => {
      const names = (await indexedDB.databases()).map((database) => database.name);
      if (!names.includes('outpost-tablet')) return 'gone';
      // Re-created empty to show the setup screen: no device, no users.
      return await new Promise<string>((resolve) => {
        const open = indexedDB.open('outpost-tablet');
        open.onsuccess = () => {
          const db = open.result;
          const stores = ['device', 'users'].filter((name) => db.objectStoreNames.contains(name));
          if (stores.length === 0) return resolve('empty');
          const tx = db.transaction(stores, 'readonly');
          let rows = 0;
          for (const store of stores) {
            const count = tx.objectStore(store).count();
            count.onsuccess = () => (rows += count.result);
          }
          tx.oncomplete = () => resolve(rows === 0 ? 'empty' : `${rows} rows`);
        };
        open.onerror = () => resolve('unreadable');
      });
    });
    expect(['gone', 'empty']).toContain(tablet);

    // The administrator finds the handed-in work in quarantine, not in any record.
    await admin.getByRole('link', { name: 'Quarantine' }).click();
    const entries = admin.getByTestId('admin-quarantine').getByRole('row').filter({
      hasText: 'Lost tablet',
    });
    await expect(entries.first()).toBeVisible();
    await expect(entries.first()).toContainText(/\d+ records?/);
    await expectAccessible(admin, 'administration: quarantine');

    // Stalled consults: the district's list, from the server (none has passed its limit here).
    await admin.getByRole('link', { name: 'Stalled consults' }).click();
    await expect(admin.getByText('No consult is past its answer limit.')).toBeVisible();
    await expectAccessible(admin, 'administration: stalled consults');
  } finally {
    await admin.context().close();
  }
});

test('a system administrator on a tablet sees administration, never patient records', async ({
  page,
}) => {
  server = await startOutpost();
  await new SetupScreen(page).setUp(server, 'Eli', { label: 'Head office' });
  await expect(page.getByRole('heading', { name: 'Administration', level: 1 })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveText([
    'Administration',
  ]);

  // A new colleague, a password reset (shown once), an account disabled.
  const users = page.getByTestId('admin-users');
  await expect(users).toContainText('demo.clinician');
  await page.getByLabel(/^Username/).fill('Zuhura');
  await page.getByLabel('Full name').fill('Zuhura Fictional');
  await page.getByLabel('Kijiji Demo Clinic (fictional)').check();
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId('temporary-password')).toContainText(
    /One-time password for zuhura: \S{10,}/,
  );
  const oneTime = /One-time password for zuhura: (\S+?)\.?(?:\s|$)/.exec(
    (await page.getByTestId('temporary-password').textContent()) ?? '',
  )![1]!;
  await page.getByLabel(/^Username/).fill('zuhura');
  await page.getByLabel('Full name').fill('Zuhura Again');
  await page.getByLabel('Kijiji Demo Clinic (fictional)').check();
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('#new-username-error')).toHaveText('That username is taken.');
  await users.getByRole('button', { name: 'Reset password — demo.healthworker' }).click();
  await expect(page.getByTestId('temporary-password')).toContainText(
    'One-time password for demo.healthworker',
  );
  await users.getByRole('button', { name: 'Disable — demo.clinician' }).click();
  await users.getByRole('button', { name: 'Yes, do it' }).click();
  await expect(page.getByRole('status')).toContainText('demo.clinician is disabled.');
  await expect(users.getByRole('row', { name: /demo\.clinician/ })).toContainText('Disabled');

  // A clinic in a new district, then a code for it, read out large.
  await page.getByRole('link', { name: 'Clinics' }).click();
  await page.getByRole('button', { name: 'Create clinic' }).click();
  await expect(page.locator('#clinic-name-error')).not.toBeEmpty();
  await page.getByLabel('Clinic name').fill('Mlima Outreach Post (fictional)');
  await page.getByLabel('District').selectOption({ label: 'New district…' });
  await page.getByLabel('Name of the new district').fill('Hill District (fictional)');
  await page.getByRole('button', { name: 'Create clinic' }).click();
  await expect(page.getByRole('status')).toContainText('Mlima Outreach Post (fictional) created');
  await expect(page.getByTestId('admin-clinics')).toContainText('Mlima Outreach Post');
  await expectAccessible(page, 'administration: clinics');

  await page.getByRole('link', { name: 'Enrollment codes' }).click();
  // The select's name carries its current option ("Clinic —"); the clinics page has none.
  await page
    .getByRole('combobox', { name: /^Clinic/ })
    .selectOption({ label: 'Mlima Outreach Post (fictional)' });
  await page.getByRole('button', { name: 'Create code' }).click();
  await expect(page.getByTestId('enrollment-code')).toHaveText(
    /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/,
  );
  await expectAccessible(page, 'administration: enrollment code');

  // The audit log finds what she did, by user.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page
    .getByLabel('User')
    .selectOption({ label: 'demo.sysadmin — Eli Demo (fictional system admin)' });
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('admin-audit')).toContainText('admin.enrollment_code');
  await expect(page.getByTestId('admin-audit')).toContainText('admin.clinic_add');
  await expectAccessible(page, 'administration: audit');

  // Consults are not hers to see (least privilege): the tab says so, and asks the server nothing.
  const consultRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/consults'))
      consultRequests.push(request.url());
  });
  await page.getByRole('link', { name: 'Stalled consults' }).click();
  await expect(page.getByTestId('stalled-not-allowed')).toContainText(
    'System administrators do not see consults',
  );
  expect(consultRequests).toEqual([]);

  // Zuhura's first sign-in, on a clinic tablet: before anything else she
  // replaces the one-time password the administrator has seen with her own.
  const clinicTablet = await page.context().browser()!.newContext();
  const zuhura = await clinicTablet.newPage();
  await zuhura.goto(server.url);
  await new SetupScreen(zuhura).enroll(server.takeEnrollmentCode(), 'Zuhura’s tablet');
  await new SignInScreen(zuhura).fill({ username: 'zuhura', password: oneTime });
  await zuhura.getByRole('button', { name: 'Sign in' }).click();
  const choose = new PasswordChangeScreen(zuhura);
  await expect(choose.heading).toBeVisible();
  await expect(zuhura.getByRole('navigation', { name: 'Main' })).toBeHidden();
  await expectAccessible(zuhura, 'choose your own password');
  await choose.choose('not the one-time one', 'zuhura-own-passphrase');
  await expect(zuhura.locator('#password-current-error')).toHaveText(
    'This is not the password you signed in with.',
  );
  await choose.choose(oneTime, 'zuhura-own-passphrase', 'zuhura-own-passphrasf');
  await expect(zuhura.locator('#password-again-error')).toHaveText(
    'The two new passwords are not the same',
  );
  await choose.choose(oneTime, 'zuhura-own-passphrase');
  await new PinSetupScreen(zuhura).choose('314159');
  await expect(new PatientsScreen(zuhura).heading).toBeVisible();
  // Her own password now unlocks the tablet; the one-time one does not.
  await zuhura.reload();
  const lock = new LockScreen(zuhura);
  await lock.chooseUser({ displayName: 'Zuhura Fictional' });
  await lock.unlockWithPassword({ password: oneTime });
  await expect(lock.root.getByRole('alert')).toContainText(/wrong/i);
  await lock.unlockWithPassword({ password: 'zuhura-own-passphrase' });
  await expect(new PatientsScreen(zuhura).heading).toBeVisible();
  // She leaves this clinic: she signs out of the tablet; nothing of hers opens it any more.
  await zuhura
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'This tablet' })
    .click();
  const signOut = zuhura.getByTestId('sign-out');
  await signOut.getByRole('button', { name: 'Sign out of this tablet' }).click();
  await expect(signOut.getByRole('alert')).toContainText('Sign out of this tablet?');
  await signOut.getByRole('button', { name: 'Yes, sign out' }).click();
  await expect(new SignInScreen(zuhura).heading).toBeVisible();
  await expect(zuhura.getByText('Zuhura Fictional')).toHaveCount(0);
  await clinicTablet.close();
});

test('a specialist is told plainly when urgent-consult notifications cannot be turned on here', async ({
  page,
}) => {
  // The journeys' server has no OUTPOST_VAPID_* keys: the push routes answer 501.
  server = await startOutpost();
  await new SetupScreen(page).setUp(server, 'Chiku');
  await page.getByRole('link', { name: 'This tablet' }).click();
  const settings = page.getByTestId('push-settings');
  await expect(settings.getByTestId('push-state')).toHaveText(
    /Not configured on this server: ask your administrator/,
  );
  await expect(
    settings.getByRole('checkbox', { name: 'Notify me of urgent consults on this device' }),
  ).toBeDisabled();
  await expectAccessible(page, 'this tablet: notifications');
});

test('with Web Push configured, a refused permission says where to allow it, and no push service is said plainly', async ({
  page,
  context,
}) => {
  server = await startOutpost({ env: vapidKeys() });
  await new SetupScreen(page).setUp(server, 'Chiku');
  await page.getByRole('link', { name: 'This tablet' }).click();
  const settings = page.getByTestId('push-settings');
  const state = settings.getByTestId('push-state');
  const toggle = settings.getByRole('checkbox', {
    name: 'Notify me of urgent consults on this device',
  });
  await expect(state).toHaveText(/^Off/);

  // Headless Chromium refuses the permission prompt, as a user who taps "Block".
  await toggle.click();
  await expect(state).toHaveText(/^Blocked in browser settings/);
  await expect(toggle).toBeDisabled();

  // She allows notifications in the browser's settings and comes back: this Chromium has
  // no push service to subscribe with (offline CI), which is said, and nothing stays on.
  await context.grantPermissions(['notifications']);
  await page.getByRole('link', { name: 'Consult queue' }).click();
  await page.getByRole('link', { name: 'This tablet' }).click();
  await expect(state).toHaveText(/^Off/);
  await toggle.click();
  await expect(state).toHaveText(/notification service could not be reached/);
  await expect(toggle).not.toBeChecked();
  expect(
    await page.evaluate(async () =>
      (await navigator.serviceWorker.ready).pushManager.getSubscription(),
    ),
  ).toBeNull();

  // What an urgent consult's push shows, delivered straight to the service worker (DevTools
  // protocol): "Urgent consult waiting", nothing about the patient, one per consult.
  const cdp = await context.newCDPSession(page);
  const registrations: string[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (event) =>
    registrations.push(...event.registrations.map((r) => r.registrationId)),
  );
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => registrations.length).toBeGreaterThan(0);
  const consultId = randomUUID();
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(page.url()).origin,
    registrationId: registrations[0]!,
    data: JSON.stringify({ type: 'consult', docId: `consult/${consultId}`, priority: 'urgent' }),
  });
  await expect
    .poll(() =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
        })),
      ),
    )
    .toEqual([
      {
        title: 'Urgent consult waiting',
        body: 'Open Outpost to see it.',
        tag: `outpost-urgent-${consultId}`,
      },
    ]);
});

/** A fresh VAPID key pair as the server reads it (OUTPOST_VAPID_*; docs/consults.md). */
function vapidKeys(): Record<string, string> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = publicKey.export({ format: 'jwk' });
  const raw = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(pub.x ?? '', 'base64url'),
    Buffer.from(pub.y ?? '', 'base64url'),
  ]);
  return {
    OUTPOST_VAPID_PUBLIC_KEY: raw.toString('base64url'),
    OUTPOST_VAPID_PRIVATE_KEY: privateKey.export({ format: 'jwk' }).d ?? '',
    OUTPOST_VAPID_SUBJECT: 'mailto:operations@example.org',
  };
}

/** Every file under `dir`, recursively (a browser profile). */
function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(path));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** The byte patterns of `text` as it could sit on disk: UTF-8, UTF-16LE and base64 (any alignment). */
function needles(text: string): { name: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(text, 'utf8');
  const found = [
    { name: 'utf-8', bytes: utf8 },
    { name: 'utf-16le', bytes: Buffer.from(text, 'utf16le') },
  ];
  // Base64 of the text starting at byte offset 0, 1 or 2 of a 3-byte group: drop the
  // characters that depend on the neighbouring bytes.
  for (const shift of [0, 1, 2]) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = Buffer.concat([Buffer.alloc(shift), utf8]).toString(alphabet);
      const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3) + 1;
      const stable = encoded.slice(start, encoded.length - 4);
      found.push({ name: `${alphabet} (offset ${shift})`, bytes: Buffer.from(stable, 'latin1') });
    }
  }
  return found;
}

test('canary: nothing typed about a patient can be read anywhere in the browser profile on disk', async () => {
  test.setTimeout(120_000);
  server = await startOutpost();
  const neema = server.account('Neema');
  const canary = `ZZCANARY-${randomUUID()}`;
  // A control: the tablet's name is kept in the clear on purpose (it is not patient data),
  // so the scan must find it, or it proves nothing.
  const control = `Canary tablet ${randomUUID()}`;
  const profile = mkdtempSync(join(tmpdir(), 'outpost-canary-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-component-update'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await new SetupScreen(page).setUp(server, 'Neema', { label: control });
    await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);

    // She registers the canary patient, with notes, and works with the record.
    const patient = await register(page, {
      givenName: canary,
      familyName: 'Mlinzi',
      sex: 'Male',
      ageYears: 52,
      village: `${canary} village`,
      conditions: `${canary} conditions`,
    });
    const visit = await patient.startVisit();
    await visit.record({ 'Heart rate': '88', Temperature: '37.2' });
    await page.getByLabel('Notes').fill(`${canary} visit notes`);
    await page.getByLabel('Notes').blur();
    await page.getByRole('link', { name: 'Patients' }).click();
    await new PatientsScreen(page).search(canary.slice(0, 12));
    await expect(new PatientsScreen(page).row(new RegExp(canary))).toBeVisible();
    await syncNow(page);
    // Locked and unlocked; a reload and the password.
    const lock = await new Header(page).lock();
    await lock.unlockWithPin(neema.pin);
    await page.reload();
    await new LockScreen(page).unlockAs(neema);
    await expect(new PatientsScreen(page).heading).toBeVisible();
  } finally {
    await context.close();
  }

  try {
    const hits: string[] = [];
    let controlFound = false;
    const patterns = needles(canary);
    const controlPatterns = needles(control);
    for (const file of filesUnder(profile)) {
      if (statSync(file).size === 0) continue;
      const bytes = readFileSync(file);
      for (const pattern of patterns)
        if (bytes.includes(pattern.bytes))
          hits.push(`${file.slice(profile.length)} (${pattern.name})`);
      if (controlPatterns.some((pattern) => bytes.includes(pattern.bytes))) controlFound = true;
    }
    expect(controlFound, 'the scan finds the tablet name stored in the clear').toBe(true);
    expect(hits, 'the canary is readable on disk').toEqual([]);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
