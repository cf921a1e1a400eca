/**
 * Async consults across two browsers: the health worker, offline, asks a
 * specialist about a sick patient with a photo; online, the consult (text
 * first, then the photo) reaches the specialist's queue at the top; the
 * specialist reads the frozen summary — never the patient's name — and signs an
 * answer; the health worker's tablet syncs and shows the answer with a badge.
 */
import { expect, test } from '@playwright/test';
import { expectAllSent, SetupScreen, syncNow, type Person } from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';
import { sharp } from '../support/sharp';

const ZAWADI: Person = {
  givenName: 'Zawadi',
  familyName: 'Kisimulizi',
  sex: 'Female',
  ageYears: 58,
  village: 'Mlima wa Mfano',
};

/** A camera-like JPEG (the app downscales and re-encodes it). */
async function photo(): Promise<Buffer> {
  const width = 2000;
  const height = 1500;
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

let server: OutpostServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('offline consult with a photo → the specialist answers → the health worker sees the answer', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  server = await startOutpost();
  const worker = await browser.newContext();
  const hw = await worker.newPage();
  const patients = await new SetupScreen(hw).setUp(server, 'Neema');
  await expectAllSent(hw);
  await expect(hw.getByTestId('offline-ready')).toHaveText(/Ready to work offline/);

  // Offline: a sick patient, vitals that call for an urgent review, a consult with a photo.
  await worker.setOffline(true);
  const patient = await (await patients.openRegistration()).register(ZAWADI);
  const visit = await patient.startVisit();
  await visit.record(
    {
      'Heart rate': '132',
      'Breathing rate': '27',
      'Oxygen saturation (SpO2)': '90',
      'Blood pressure — systolic': '96',
      Temperature: '38.9',
    },
    { alert: true, roomAir: true },
  );
  const ask = hw.getByTestId('ask-specialist');
  await expect(ask).toContainText('consider asking a specialist');
  await ask.getByRole('link', { name: 'Ask a specialist' }).click();
  await expect(hw.getByRole('heading', { name: 'Ask a specialist' })).toBeVisible();
  // The score raised the priority: routine is not offered.
  await expect(hw.getByTestId('priority-floor')).toContainText('Emergency');
  await expect(hw.getByRole('radio', { name: 'Routine' })).toBeDisabled();
  await hw.getByLabel('Specialty').selectOption('cardiology');
  await hw
    .getByLabel('Your question')
    .fill('Fast breathing and pulse 132 since this morning. Transfer?');
  await hw.locator('#consult-photo-input').setInputFiles({
    name: 'leg.jpg',
    mimeType: 'image/jpeg',
    buffer: await photo(),
  });
  await expect(hw.getByRole('img', { name: 'Photo 1' })).toBeVisible();
  await hw.getByRole('button', { name: 'Send to a specialist' }).click();
  await expect(hw.getByTestId('consult-status')).toHaveText('Sent');

  // Online: text first, then the photo.
  await worker.setOffline(false);
  await syncNow(hw);
  await expectAllSent(hw);

  // The specialist, on her own laptop: the consult is at the top of her queue.
  const specialistContext = await browser.newContext();
  const sp = await specialistContext.newPage();
  await new SetupScreen(sp).setUp(server, 'Chiku');
  const queue = sp.getByTestId('consult-queue');
  const ours = queue.getByRole('link').filter({ hasText: 'Fast breathing' });
  await expect(ours).toContainText('Emergency');
  // Most urgent first: only emergencies (waiting longer) come before it, none after it.
  const items = await queue.getByRole('link').allTextContents();
  const at = items.findIndex((text) => text.includes('Fast breathing'));
  expect(items.slice(0, at).every((text) => text.includes('Emergency'))).toBe(true);
  expect(items.slice(at + 1).some((text) => text.includes('Emergency'))).toBe(false);
  // Filtered to the clinic it came from, it is still there. (A select's name carries its option.)
  await sp
    .getByRole('combobox', { name: /^Clinic/ })
    .selectOption({ label: 'Kijiji Demo Clinic (fictional)' });
  await expect(ours).toBeVisible();
  await ours.click();
  await expect(sp.getByTestId('consult-snapshot')).toContainText('58 years');
  await expect(sp.getByTestId('consult-photos').getByRole('img')).toBeVisible({ timeout: 30_000 });
  // Data minimisation: the specialist never receives the name or the village.
  const html = await sp.content();
  expect(html).not.toContain('Zawadi');
  expect(html).not.toContain('Mlima');
  // Both have the consult open online: each sees the other on the live channel.
  const hwPresence = hw.getByTestId('consult-presence');
  await expect(hwPresence).toContainText(
    'Chiku Demo (fictional specialist) (Specialist) is viewing',
  );
  await expect(sp.getByTestId('consult-presence')).toContainText(
    'Neema Mwangi (Health worker) is viewing',
  );
  // She signs an answer from a template; the health worker sees her typing it.
  const form = sp.getByTestId('answer-form');
  await form.getByRole('button', { name: 'Urgent transfer' }).click();
  await expect(form.getByLabel('Advice')).toHaveValue(/urgent transfer/i);
  await form.getByLabel('Advice').pressSequentially(' Call on arrival.');
  await expect(hwPresence).toContainText('is typing an answer');
  await form.getByRole('button', { name: 'Sign and send the answer' }).click();
  await expect(sp.getByTestId('consult-status')).toHaveText('Answered');
  // Signed: no longer typing (the live answer reaches the health worker too).
  await expect(hwPresence).toContainText('is viewing');
  await expect(hwPresence).not.toContainText('typing');
  await syncNow(sp);
  await expectAllSent(sp);

  // The health worker's tablet syncs: a badge, the answer in the consult.
  await syncNow(hw);
  await expect(hw.getByTestId('consults-badge')).toHaveText('1', { timeout: 20_000 });
  await hw
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: /Consults/ })
    .click();
  await hw.getByTestId('consults-needs-you').getByRole('link').first().click();
  await expect(hw.getByTestId('consult-answer')).toContainText('Urgent transfer');
  await expect(hw.getByTestId('consult-status')).toHaveText('Answered');

  await specialistContext.close();
  await worker.close();
});
