/**
 * The clinical day, offline: a health worker registers a woman, finds her
 * again with a misspelled name, records two visits' vitals and sees the score
 * (band, reasons, what to do) and the trend across visits; a second
 * registration of the same woman is flagged; the screens speak Swahili and
 * French with their numbers; duplicates found after the fact are merged and
 * the merge undone; "Not the same person" decided on one tablet is kept by
 * the other after sync, and undone from the record; her details corrected
 * after registration, her pregnancy recorded and then the birth (the visit
 * stays on the maternal chart), an allergy added and a condition resolved. Every screen is
 * checked with axe (no serious or critical WCAG 2.1 AA violation).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import {
  expectAllSent,
  PatientScreen,
  SetupScreen,
  syncNow,
  type PatientsScreen,
  type Person,
} from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';

const WANJIRU: Person = {
  givenName: 'Wanjiru',
  familyName: 'Kamau',
  sex: 'Female',
  ageYears: 34,
  pregnant: false,
  village: 'Kijiji Cha Majaribio',
  phone: '0712 345 678',
};

let server: OutpostServer | undefined;
/** Second tablets' browser profiles, closed after each journey (they would go on syncing). */
const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  for (const other of contexts.splice(0)) await other.close();
  await server?.stop();
  server = undefined;
});

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

async function offlineTablet(page: Page, context: BrowserContext) {
  // OUTPOST_E2E_WEB_DIR: a private build (when other builds share web/build).
  const webDir = process.env.OUTPOST_E2E_WEB_DIR;
  server = await startOutpost(webDir ? { webDir } : {});
  const patients = await new SetupScreen(page).setUp(server, 'Neema');
  await expect(page.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);
  await context.setOffline(true);
  await expect(page.getByTestId('connection')).toHaveText(/Offline/);
  return patients;
}

async function goHome(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link').first().click();
}

const VISIT_ONE = {
  'Heart rate': '96',
  'Breathing rate': '22',
  'Oxygen saturation (SpO2)': '95',
  'Blood pressure — systolic': '150',
  'Blood pressure — diastolic': '95',
  Temperature: '37.9',
} as const;

test('offline: register, find her with a typo, two visits with scores and trends, a duplicate warned, three languages, accessible', async ({
  page,
  context,
}) => {
  const patients = await offlineTablet(page, context);
  await expectAccessible(page, 'patient list');

  // Register her.
  const register = await patients.openRegistration();
  await expectAccessible(page, 'registration');
  const patient = await register.register(WANJIRU);

  // A search with a typo (and one in another spelling) finds her.
  await goHome(page);
  await patients.search('Wanjru');
  await expect(patients.row(/Wanjiru Kamau/)).toBeVisible();
  await patients.search('wanjiro kamau');
  await expect(patients.row(/Wanjiru Kamau/)).toBeVisible();
  await patients.search('+255 712 345');
  await expect(patients.row(/Wanjiru Kamau/)).toBeVisible();
  await patients.row(/Wanjiru Kamau/).click();
  await expect(patient.name).toContainText('Wanjiru Kamau');

  // First visit: vitals → band, reasons and response.
  let visit = await patient.startVisit();
  await visit.record(VISIT_ONE, { alert: true, roomAir: true });
  await expect(visit.riskBand).toHaveAttribute('data-complete', 'true');
  // NEWS2: breathing 22 → 2, SpO2 95 → 1, pulse 96 → 1, the rest 0: total 4, low.
  await expect(visit.riskBand).toHaveAttribute('data-band', 'low');
  await expect(visit.riskBand).toContainText('NEWS2 4');
  await expect(page.getByTestId('risk-reasons')).toContainText('Breathing rate 22/min scores 2');
  await expect(page.getByTestId('risk-action')).toContainText(
    'Tell the nurse or clinician in charge',
  );
  await expectAccessible(page, 'visit');
  await page.getByRole('button', { name: 'Close the visit' }).click();
  await expect(patient.name).toBeVisible();

  // Second visit.
  visit = await patient.startVisit();
  await visit.record(
    { ...VISIT_ONE, 'Heart rate': '84', 'Breathing rate': '18', Temperature: '37.2' },
    { alert: true, roomAir: true },
  );
  await expect(visit.riskBand).toBeVisible();
  await page.getByRole('button', { name: 'Close the visit' }).click();

  // The trend chart shows both visits, with the adult NEWS2 band shaded.
  const heartRate = page.getByTestId('trend-chart').filter({ hasText: 'Heart rate' });
  await expect(heartRate).toHaveAttribute('data-points', '2');
  await expect(heartRate.getByTestId('normal-band')).toBeVisible();
  await expect(page.getByTestId('score-history').getByRole('row')).toHaveCount(3);
  await expectAccessible(page, 'patient page');

  // Registering her again is warned.
  await goHome(page);
  const again = await patients.openRegistration();
  await again.fill({ ...WANJIRU, givenName: 'Wanjiro', phone: undefined, ageYears: 35 });
  const warning = page.getByTestId('duplicate-warning');
  await expect(warning).toContainText('Wanjiru Kamau');
  await expect(page.getByRole('button', { name: 'Register patient' })).toBeDisabled();
  await expectAccessible(page, 'registration with duplicate warning');

  // Swahili, then French: translated screens and localised numbers.
  await page.getByLabel('Language').selectOption('sw');
  await expect(page.getByRole('heading', { name: 'Sajili mgonjwa' })).toBeVisible();
  await goHome(page);
  await expect(page.getByRole('heading', { name: 'Wagonjwa', level: 1 })).toBeVisible();
  await expect(
    page.getByPlaceholder('Tafuta kwa jina, simu, kitambulisho au kijiji'),
  ).toBeVisible();
  await expectAccessible(page, 'patient list (Swahili)');
  await page
    .getByTestId('patient-list')
    .getByRole('link', { name: /Wanjiru Kamau/ })
    .click();
  await expect(page.getByRole('heading', { name: 'Mwenendo' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Historia ya alama' })).toBeVisible();
  await expectAccessible(page, 'patient page (Swahili)');

  await page.getByLabel('Lugha').selectOption('fr');
  await expect(page.getByRole('heading', { name: 'Évolution' })).toBeVisible();
  // 37.2 °C is written with a decimal comma in French.
  await expect(page.getByTestId('latest-vitals')).toContainText('37,2');
  await page.getByTestId('visits').getByRole('link').last().click();
  await expect(page.getByTestId('risk-panel')).toContainText('Que faire');
  await expect(page.getByTestId('risk-reasons')).toContainText(
    'Fréquence respiratoire 22/min : 2 point(s)',
  );
  await expect(page.getByTestId('risk-action')).toContainText(
    'Prévenez l’infirmier ou le clinicien responsable',
  );
  await expect(page.getByTestId('observations')).toContainText('37,9');
  await expectAccessible(page, 'visit (French)');
  await page.getByLabel('Langue').selectOption('en');
});

test('offline: the same person registered twice is listed for review, merged with her history kept, and the merge undone', async ({
  page,
  context,
}) => {
  const patients = await offlineTablet(page, context);
  // Two registrations of one woman (as if on two tablets): the second confirmed "different".
  const first = await (await patients.openRegistration()).register(WANJIRU);
  const visit = await first.startVisit();
  await visit.record({ 'Heart rate': '101', Temperature: '38.4' });
  await goHome(page);
  const register = await patients.openRegistration();
  await register.fill({ ...WANJIRU, givenName: 'Wanjiro', phone: '+255712345678' });
  await expect(page.getByTestId('duplicate-warning')).toBeVisible();
  await page.getByLabel(/This is a different person/).check();
  await page.getByRole('button', { name: 'Register patient' }).click();
  await expect(page.getByTestId('patient-name')).toContainText('Wanjiro Kamau');

  // The patient list links to the review, with a count.
  await goHome(page);
  const review = page.getByTestId('duplicates-link');
  await expect(review).toHaveText(/1 possible duplicate/);
  await review.click();
  await expect(page.getByRole('heading', { name: 'Possible duplicates' })).toBeVisible();
  await expect(page.getByTestId('duplicate-pairs')).toContainText('Wanjiru Kamau');
  await expectAccessible(page, 'duplicate review');

  // Keep the first record; the second's list row disappears; nothing is lost.
  await page.getByRole('button', { name: 'Same person — keep Wanjiru Kamau' }).click();
  await expect(page.getByTestId('review-message')).toContainText('Merged');
  await goHome(page);
  await expect(patients.row(/Wanjiru Kamau/)).toBeVisible();
  await expect(patients.row(/Wanjiro Kamau/)).toHaveCount(0);
  await expect(page.getByTestId('duplicates-link')).toHaveCount(0);

  // The merged record's page points to the kept one, and the merge can be undone there.
  await patients.search('Wanjiru');
  await patients.row(/Wanjiru Kamau/).click();
  await expect(new PatientScreen(page).name).toContainText('Wanjiru Kamau');
  const merged = page.getByTestId('merged-visits');
  await expect(merged).toContainText('Wanjiro Kamau');
  await merged.getByRole('link', { name: 'Wanjiro Kamau' }).click();
  await expect(page.getByTestId('merged-into')).toContainText('Wanjiru Kamau');
  await expectAccessible(page, 'merged record');
  await page.getByTestId('merged-into').getByRole('button', { name: 'Undo merge' }).click();
  await expect(page.getByTestId('merged-into')).toHaveCount(0);
  await goHome(page);
  await expect(patients.row(/Wanjiro Kamau/)).toBeVisible();
  await expect(page.getByTestId('duplicates-link')).toHaveText(/1 possible duplicate/);
});

/** Opens her record from the patient list. */
async function openFromList(page: Page, patients: PatientsScreen, name: string): Promise<void> {
  await goHome(page);
  await patients.search(name);
  await patients.row(new RegExp(name)).click();
  await expect(new PatientScreen(page).name).toContainText(name);
}

test('two tablets: "Not the same person" decided on one is not proposed on the other after sync, and undone from the record', async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000); // two tablets, each enrolled, signed in and given a PIN
  const webDir = process.env.OUTPOST_E2E_WEB_DIR;
  server = await startOutpost(webDir ? { webDir } : {});
  const patientsA = await new SetupScreen(page).setUp(server, 'Neema');
  const contextB = await browser.newContext();
  contexts.push(contextB);
  const tabletB = await contextB.newPage();
  const patientsB = await new SetupScreen(tabletB).setUp(server, 'Baraka');

  // Tablet A: one woman registered twice (the warning overridden), sent to the server.
  await (await patientsA.openRegistration()).register(WANJIRU);
  await goHome(page);
  await (await patientsA.openRegistration()).fill({ ...WANJIRU, givenName: 'Wanjiro' });
  await page.getByLabel(/This is a different person/).check();
  await page.getByRole('button', { name: 'Register patient' }).click();
  await expect(page.getByTestId('patient-name')).toContainText('Wanjiro Kamau');
  await syncNow(page);
  await expectAllSent(page);
  // Tablet B receives both and proposes the pair.
  await syncNow(tabletB);
  await expect(tabletB.getByTestId('duplicates-link')).toHaveText(/1 possible duplicate/, {
    timeout: 20_000,
  });

  // Tablet A: they are two different people; the decision is sent.
  await goHome(page);
  await page.getByTestId('duplicates-link').click();
  await page.getByRole('button', { name: 'Not the same person' }).click();
  await expect(page.getByTestId('review-message')).toContainText('Marked as different people');
  await expect(page.getByTestId('duplicate-pairs')).toHaveCount(0);
  await syncNow(page);
  await expectAllSent(page);

  // Tablet B, after its sync: the record says who decided, and the pair is no longer proposed.
  await syncNow(tabletB);
  await openFromList(tabletB, patientsB, 'Wanjiru Kamau');
  await expect(tabletB.getByTestId('distinct-from')).toContainText(
    'Marked as a different person from Wanjiro Kamau',
    { timeout: 20_000 },
  );
  await goHome(tabletB);
  await expect(patientsB.heading).toBeVisible();
  await expect(tabletB.getByTestId('duplicates-link')).toHaveCount(0);

  // Tablet A: undone from her record; the pair is proposed again, here and, after sync, on B.
  await openFromList(page, patientsA, 'Wanjiru Kamau');
  const decision = page.getByTestId('distinct-from');
  await expect(decision).toContainText(
    `Marked as a different person from Wanjiro Kamau by ${server.account('Neema').displayName}`,
  );
  await expectAccessible(page, 'record marked as a different person');
  await decision.getByRole('button', { name: /^Undo/ }).click();
  await expect(decision).toContainText('undone by');
  await expect(decision.getByRole('button')).toHaveCount(0);
  await goHome(page);
  await expect(page.getByTestId('duplicates-link')).toHaveText(/1 possible duplicate/);
  await syncNow(page);
  await expectAllSent(page);
  await syncNow(tabletB);
  await expect(tabletB.getByTestId('duplicates-link')).toHaveText(/1 possible duplicate/, {
    timeout: 20_000,
  });
});

test('offline: her details corrected and found by the new name; marked pregnant, then gave birth, the visit uses the maternal chart; an allergy added and a condition resolved', async ({
  page,
  context,
}) => {
  const patients = await offlineTablet(page, context);
  // Registered with a typo in her name and an old phone number.
  const patient = await (
    await patients.openRegistration()
  ).register({
    givenName: 'Halma',
    familyName: 'Fictiona',
    sex: 'Female',
    ageYears: 27,
    pregnant: false,
    phone: '0713 000 111',
    conditions: 'asthma',
  });

  // Edit details: the name and the phone corrected; only those are saved.
  const edit = await patient.openEdit();
  await expect(edit.field('Given name')).toHaveValue('Halma');
  await expectAccessible(page, 'edit details');
  await edit.change({ 'Given name': 'Halima', Phone: '0713 000 222' });
  await edit.save();
  await expect(patient.name).toContainText('Halima Fictiona');
  await expect(page.getByText('0713 000 222')).toBeVisible();

  // Found by her corrected name.
  await goHome(page);
  await patients.search('Halima');
  await patients.row(/Halima Fictiona/).click();
  await expect(patient.name).toContainText('Halima Fictiona');

  // Now pregnant, 30 weeks: her visit is scored on the maternal chart, not NEWS2.
  await expect(patient.pregnancy).toContainText('Not pregnant');
  await patient.updatePregnancy('Pregnant', 30);
  await expect(patient.pregnancy).toContainText('Pregnant, 30 weeks');
  const visit = await patient.startVisit();
  await expect(patient.pregnancy).toContainText('Pregnant, 30 weeks');
  await visit.record(VISIT_ONE, { alert: true, roomAir: true });
  await expect(page.getByTestId('risk-maternal')).toBeVisible();
  await expect(visit.riskBand).toHaveCount(0);
  // She gives birth today: up to 6 weeks after birth the maternal chart still applies.
  await patient.updatePregnancy('Gave birth recently');
  await expect(patient.pregnancy).toContainText(/Gave birth today .* maternal chart until/);
  await expect(page.getByTestId('risk-maternal')).toBeVisible();
  await expect(visit.riskBand).toHaveCount(0);
  await page.getByRole('button', { name: 'Close the visit' }).click();

  // An allergy added; asthma no longer present, kept in her history.
  await patient.addAllergy({ name: 'Penicillin', reaction: 'Rash', severity: 'Severe' });
  await expect(patient.allergies).toContainText('Penicillin — Rash, Severe');
  await patient.resolveCondition('asthma');
  await expect(
    patient.conditions.getByRole('button', { name: 'No longer has it: asthma' }),
  ).toHaveCount(0);
  await expect(patient.conditions).toContainText('None recorded');
  await expectAccessible(page, 'patient page with pregnancy, conditions and allergies');
});
