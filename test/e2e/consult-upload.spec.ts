/**
 * A consult's photos over a link that keeps dropping (issue #7): the tablet
 * reaches the server through a proxy that drops every open connection each
 * time ~96 KiB have gone up — part-way through a 64 KiB chunk, again and again.
 * Every photo still arrives whole: the server's SHA-256 of what it assembled
 * equals the tablet's content address, and each drop costs at most the one
 * chunk it interrupted.
 */
import { expect, test, type Request } from '@playwright/test';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy';
import { SetupScreen, syncNow, type Person } from '../support/pages';
import { startOutpost, type OutpostServer } from '../support/server';
import { sharp } from '../support/sharp';

const CHUNK_BYTES = 64 * 1024; // web/src/lib/consults/upload.ts UPLOAD_CHUNK_BYTES
const DROP_EVERY_BYTES = 96 * 1024;

const AMANI: Person = {
  givenName: 'Amani',
  familyName: 'Mfanojaribio',
  sex: 'Male',
  ageYears: 44,
  village: 'Kijiji cha Majaribio',
};

/** A noisy camera-like JPEG: it stays large after the tablet downscales it. */
async function noisyPhoto(seed: number): Promise<Buffer> {
  const width = 1800;
  const height = 1350;
  const pixels = Buffer.alloc(width * height * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

let server: OutpostServer | undefined;
let proxy: CuttableProxy | undefined;
test.afterEach(async () => {
  await proxy?.close();
  await server?.stop();
  proxy = undefined;
  server = undefined;
});

test('photos uploaded over a link cut every 96 KiB arrive whole, re-sending at most a chunk per cut', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  server = await startOutpost();
  proxy = await startCuttableProxy({ targetPort: Number(new URL(server.url).port) });
  const context = await browser.newContext();
  const page = await context.newPage();
  const patients = await new SetupScreen(page).setUp(server, 'Neema', { url: proxy.url });

  // What the tablet declares (POST /api/attachments) and what the server confirms.
  const declared = new Map<string, number>(); // sha256 → size
  const confirmed = new Set<string>();
  let chunkBytesSent = 0;
  let chunkRequests = 0;
  const isChunk = (request: Request) =>
    request.method() === 'PUT' && new URL(request.url()).pathname.startsWith('/api/attachments/');
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (request.method() === 'POST' && path === '/api/attachments') {
      const body = request.postDataJSON() as { sha256: string; size: number };
      declared.set(body.sha256, body.size);
    } else if (isChunk(request)) {
      chunkRequests += 1;
      chunkBytesSent += request.postDataBuffer()?.length ?? 0;
    }
  });
  // The server's answers, read as the page receives them (a dropped one never arrives).
  await page.route('**/api/attachments**', async (route) => {
    try {
      const response = await route.fetch();
      const body = (await response.json()) as { done?: boolean; sha256?: string };
      if (response.ok() && body.done === true && body.sha256 !== undefined)
        confirmed.add(body.sha256);
      await route.fulfill({ response, json: body });
    } catch {
      await route.abort('connectionreset'); // the link dropped mid-request
    }
  });

  const patient = await (await patients.openRegistration()).register(AMANI);
  const visit = await patient.startVisit();
  await visit.record(
    {
      'Heart rate': '118',
      'Breathing rate': '24',
      'Oxygen saturation (SpO2)': '93',
      'Blood pressure — systolic': '104',
      Temperature: '38.4',
    },
    { alert: true, roomAir: true },
  );
  await page.getByTestId('ask-specialist').getByRole('link', { name: 'Ask a specialist' }).click();
  await page.getByLabel('Specialty').selectOption('general-medicine');
  await page.getByLabel('Your question').fill('Spreading redness on both forearms. Antibiotics?');
  for (const [index, seed] of [7, 11].entries()) {
    await page.locator('#consult-photo-input').setInputFiles({
      name: `arm-${index + 1}.jpg`,
      mimeType: 'image/jpeg',
      buffer: await noisyPhoto(seed),
    });
    await expect(page.getByRole('img', { name: `Photo ${index + 1}` })).toBeVisible();
  }

  // From here the link drops every 96 KiB, mid-request.
  proxy.dropEvery(DROP_EVERY_BYTES);
  await page.getByRole('button', { name: 'Send to a specialist' }).click();
  await expect(page.getByTestId('consult-status')).toHaveText('Sent');

  // The health worker keeps tapping "Sync now" (or waits for the timer): each
  // round sends the text if needed, then resumes the photos where the server is.
  await expect
    .poll(
      async () => {
        const button = page.getByRole('button', { name: 'Sync now' });
        if (await button.isEnabled()) await button.click();
        return declared.size === 2 && [...declared.keys()].every((sha) => confirmed.has(sha));
      },
      { timeout: 180_000, intervals: [2_000] },
    )
    .toBe(true);
  proxy.dropEvery(undefined);

  // It really was cut, repeatedly, mid-upload.
  const photoBytes = [...declared.values()].reduce((sum, size) => sum + size, 0);
  expect(photoBytes).toBeGreaterThan(2 * DROP_EVERY_BYTES);
  expect(proxy.drops).toBeGreaterThanOrEqual(3);
  // Resumed, not restarted: each drop re-sent at most the chunk it interrupted.
  expect(chunkBytesSent).toBeLessThanOrEqual(photoBytes + proxy.drops * CHUNK_BYTES);
  expect(chunkRequests).toBeGreaterThanOrEqual(Math.ceil(photoBytes / CHUNK_BYTES));

  // Nothing left to send: the consult's text and both photos are on the server.
  await syncNow(page);
  await expect(page.getByTestId('sync-pending')).toHaveText('All changes sent', {
    timeout: 20_000,
  });
  await context.close();
});
