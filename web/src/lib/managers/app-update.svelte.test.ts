import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppUpdate } from './app-update.svelte';

describe('AppUpdate: whether this page can work offline', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('says offline use is unavailable when the browser offers no service worker (plain http on the LAN)', async () => {
    vi.stubGlobal('navigator', { onLine: true });
    const update = new AppUpdate();
    await update.start('/service-worker.js', 'module');
    expect(update.offlineUnavailable).toBe(true);
    expect(update.offlineReady).toBe(false);
  });

  it('says so too when the browser refuses to register the worker', async () => {
    const register = vi.fn().mockRejectedValue(new DOMException('denied', 'SecurityError'));
    vi.stubGlobal('navigator', {
      onLine: true,
      serviceWorker: {
        register,
        addEventListener: vi.fn(),
        removeEventListener: vi.fn(),
        controller: null,
      },
    });
    // workbox-window waits for the page to load and resolves the script against it.
    vi.stubGlobal('document', { readyState: 'complete' });
    vi.stubGlobal('location', new URL('http://192.168.1.20:8787/'));
    const update = new AppUpdate();
    await update.start('/service-worker.js', 'module');
    expect(register).toHaveBeenCalled();
    expect(update.offlineUnavailable).toBe(true);
    expect(update.offlineReady).toBe(false);
    update.stop();
  });
});
