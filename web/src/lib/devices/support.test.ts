import { describe, expect, it } from 'vitest';
import { bluetoothSupport, serialSupport, serialTransport } from './support';

const policy = (allowed: string[]) => ({
  permissionsPolicy: { allowsFeature: (f: string) => allowed.includes(f) },
});

describe('capability detection', () => {
  it('a secure page in a browser with Web Bluetooth is supported', () => {
    expect(bluetoothSupport({ isSecureContext: true, navigator: { bluetooth: {} } })).toBe(
      'supported',
    );
  });

  it('a browser without navigator.bluetooth is an unsupported browser', () => {
    expect(bluetoothSupport({ isSecureContext: true, navigator: {} })).toBe('unsupported-browser');
  });

  it('an http page is reported as an insecure context before anything else', () => {
    expect(bluetoothSupport({ isSecureContext: false, navigator: { bluetooth: {} } })).toBe(
      'insecure-context',
    );
  });

  it('a permissions policy that blocks bluetooth is disabled-by-policy', () => {
    expect(
      bluetoothSupport({
        isSecureContext: true,
        navigator: { bluetooth: {} },
        document: policy(['usb']),
      }),
    ).toBe('disabled-by-policy');
  });

  it('serial devices use Web Serial where present', () => {
    expect(serialTransport({ isSecureContext: true, navigator: { serial: {}, usb: {} } })).toEqual({
      support: 'supported',
      via: 'serial',
    });
  });

  it('Android Chrome (WebUSB, no Web Serial) reaches serial devices through WebUSB', () => {
    expect(serialTransport({ isSecureContext: true, navigator: { usb: {} } })).toEqual({
      support: 'supported',
      via: 'webusb',
    });
  });

  it('a browser with neither Web Serial nor WebUSB cannot reach serial devices', () => {
    expect(serialSupport({ isSecureContext: true, navigator: {} })).toBe('unsupported-browser');
  });

  it('a serial API blocked by policy says so rather than "unsupported browser"', () => {
    expect(
      serialSupport({ isSecureContext: true, navigator: { serial: {} }, document: policy([]) }),
    ).toBe('disabled-by-policy');
  });
});
