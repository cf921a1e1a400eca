/**
 * Two tablets of one clinic. Playwright's offline mode does not cut websockets,
 * so each journey runs through a loopback proxy that can be cut: with it cut,
 * a tablet is truly offline, live channel included.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy';
import type { AccountName } from '../support/accounts';
import {
  expectAllSent,
  LockScreen,
  PatientScreen,
  RegisterScreen,
  SetupScreen,
  syncNow,
  VisitScreen,
} from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

let server: OutpostServer | undefined;
let proxy: CuttableProxy | undefined;
/** The tablets' browser profiles, closed after each journey (they would go on syncing). */
const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  await proxy?.close();
  await server?.stop();
  proxy = undefined;
  server = undefined;
});

/** A tablet of the demo clinic for `who`, reaching `outpost` through `url` (the proxy). */
async function tablet(
  browser: Browser,
  outpost: OutpostServer,
  url: string,
  who: AccountName,
): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await new SetupScreen(page).setUp(outpost, who, { url });
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  return page;
}

/** Opens a patient from the list (in the app: a page load would lock the tablet again). */
async function openPatient(page: Page, name: string): Promise<PatientScreen> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Patients' })
    .click();
  await page.getByPlaceholder('Search by name, phone, ID or village').fill(name);
  await page
    .getByTestId('patient-list')
    .getByRole('link', { name: new RegExp(name) })
    .click();
  const screen = new PatientScreen(page);
  await expect(screen.name).toContainText(name);
  return screen;
}

test('two tablets edit the same patient offline; after sync both see both edits', async ({
  browser,
}) => {
  test.setTimeout(120_000); // two tablets, each enrolled, signed in and given a PIN
  server = await startOutpost();
  proxy = await startCuttableProxy({ targetPort: Number(new URL(server.url).port) });
  const neema = await tablet(browser, server, proxy.url, 'Neema');
  const baraka = await tablet(browser, server, proxy.url, 'Baraka');

  // Neema registers Juma; both tablets have him.
  await neema
    .getByRole('link', { name: /Register patient/ })
    .first()
    .click();
  await new RegisterScreen(neema).register({
    givenName: 'Juma',
    familyName: 'Mfano',
    sex: 'Male',
    ageYears: 58,
  });
  await syncNow(neema);
  await expectAllSent(neema);
  await syncNow(baraka);
  await expectAllSent(baraka);
  await openPatient(baraka, 'Juma Mfano');

  // The link goes down for both (HTTP and websockets).
  await proxy.cut();
  await neema.context().setOffline(true);
  await baraka.context().setOffline(true);

  const neemaVisit = await (await openPatient(neema, 'Juma Mfano')).startVisit();
  await neemaVisit.record({ 'Heart rate': '88' });
  await baraka.reload();
  await new LockScreen(baraka).unlockAs(server.account('Baraka'));
  const barakaVisit = await new PatientScreen(baraka).startVisit();
  await barakaVisit.record({ Temperature: '39.1' });

  // The link returns: each syncs, twice, in turn.
  await proxy.restore();
  await neema.context().setOffline(false);
  await baraka.context().setOffline(false);
  for (const page of [neema, baraka, neema]) {
    await syncNow(page);
    await expectAllSent(page);
  }

  for (const page of [neema, baraka]) {
    await openPatient(page, 'Juma Mfano');
    const latest = page.getByTestId('latest-vitals');
    await expect(latest).toContainText('88');
    await expect(latest).toContainText('39.1');
    await expect(page.getByTestId('visits').getByRole('listitem')).toHaveCount(2);
  }

  // Neema's tablet names who took each reading, though Baraka never signed in on it.
  const visits = neema.getByTestId('visits').getByRole('link');
  const barakaName = server.account('Baraka').displayName;
  let found = false;
  for (let index = 0; index < 2 && !found; index++) {
    await visits.nth(index).click();
    const observations = new VisitScreen(neema).observations;
    await expect(observations).toBeVisible();
    if ((await observations.textContent())?.includes('39.1')) {
      await expect(observations).toContainText(`by ${barakaName}`);
      found = true;
    } else {
      await expect(observations).toContainText(`by ${server.account('Neema').displayName}`);
      await neema.goBack();
    }
  }
  expect(found).toBe(true);
});

test('the live channel: a colleague sees a change within seconds, and catches up after a cut', async ({
  browser,
}) => {
  test.setTimeout(120_000); // two tablets, each enrolled, signed in and given a PIN
  server = await startOutpost();
  proxy = await startCuttableProxy({ targetPort: Number(new URL(server.url).port) });
  const neema = await tablet(browser, server, proxy.url, 'Neema');
  const baraka = await tablet(browser, server, proxy.url, 'Baraka');

  // Both open the same (demo) patient; Neema opens a visit.
  const first = neema.getByTestId('patient-list').getByRole('link').first();
  const name = ((await first.locator('.name').textContent()) ?? '').trim();
  await openPatient(neema, name);
  await openPatient(baraka, name);
  const visit = await new PatientScreen(neema).startVisit();

  // Live: Baraka's open record shows the new visit without any sync.
  await expect(baraka.getByTestId('visits')).toContainText('Visit open', { timeout: 5_000 });
  await visit.record({ 'Heart rate': '123' });
  await expect(baraka.getByTestId('latest-vitals')).toContainText('123', { timeout: 5_000 });

  // Cut: nothing moves; the change waits on Neema's tablet.
  await proxy.cut();
  await new VisitScreen(neema).record({ 'Heart rate': '131' });
  await baraka.waitForTimeout(1500);
  await expect(baraka.getByTestId('latest-vitals')).not.toContainText('131');

  // Restored: it arrives (live reconnect or the next sync), nothing lost.
  await proxy.restore();
  await syncNow(neema);
  await expect(baraka.getByTestId('latest-vitals')).toContainText('131', { timeout: 20_000 });
});
