import { generateCms50Stream, USB_SERIAL_BRIDGES } from '@outpost/shared/devices';
import { describe, expect, it } from 'vitest';
import { SerialAdapter } from './serial';
import { seededRandom } from './simulated';
import type { DeviceEventMap } from './types';
import {
  cdcLineCoding,
  ch341Divisor,
  ch341LineControl,
  cp210xLineControl,
  detectBridge,
  webUsbSerialProvider,
} from './webusb-serial';

interface ControlCall {
  readonly setup: USBControlTransferParameters;
  readonly data?: number[];
}

/** A USB device as WebUSB shows it, streaming given bytes on its bulk IN endpoint. */
class FakeUsbDevice {
  opened = false;
  configuration: USBConfiguration | null = null;
  readonly configurations: USBConfiguration[];
  readonly controls: ControlCall[] = [];
  readonly claimed: number[] = [];
  #chunks: Uint8Array[] = [];
  #waiting: ((chunk: Uint8Array | undefined) => void) | undefined;
  #lost = false;

  constructor(
    readonly vendorId: number,
    readonly productId: number,
    interfaces: USBInterface[],
    readonly deviceClass = 0,
  ) {
    this.configurations = [{ configurationValue: 1, configurationName: null, interfaces }];
  }

  open() {
    this.opened = true;
    return Promise.resolve();
  }
  close() {
    this.opened = false;
    return Promise.resolve();
  }
  selectConfiguration() {
    this.configuration = this.configurations[0] ?? null;
    return Promise.resolve();
  }
  claimInterface(n: number) {
    this.claimed.push(n);
    return Promise.resolve();
  }
  releaseInterface() {
    return Promise.resolve();
  }
  clearHalt() {
    return Promise.resolve();
  }
  controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource) {
    this.controls.push({
      setup,
      ...(data && { data: [...new Uint8Array(data as ArrayBuffer | Uint8Array as ArrayBuffer)] }),
    });
    return Promise.resolve({ status: 'ok', bytesWritten: 0 } as USBOutTransferResult);
  }
  controlTransferIn(setup: USBControlTransferParameters) {
    this.controls.push({ setup });
    return Promise.resolve({
      status: 'ok',
      data: new DataView(Uint8Array.of(0x31, 0x00).buffer),
    } as USBInTransferResult);
  }
  transferIn(): Promise<USBInTransferResult> {
    const deliver = (chunk: Uint8Array | undefined): USBInTransferResult => {
      if (!chunk) throw new DOMException('The device was disconnected.', 'NetworkError');
      return {
        status: 'ok',
        data: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength),
      };
    };
    if (this.#lost)
      return Promise.reject(new DOMException('The device was disconnected.', 'NetworkError'));
    const next = this.#chunks.shift();
    if (next) return Promise.resolve(deliver(next));
    return new Promise<Uint8Array | undefined>((resolve) => {
      this.#waiting = resolve;
    }).then(deliver);
  }
  feed(bytes: Uint8Array, chunk = 64) {
    for (let i = 0; i < bytes.length; i += chunk) this.#chunks.push(bytes.slice(i, i + chunk));
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting(this.#chunks.shift());
    }
  }
  unplug() {
    this.#lost = true;
    this.#waiting?.(undefined);
  }
}

const bulk = (n: number, direction: USBDirection): USBEndpoint => ({
  endpointNumber: n,
  direction,
  type: 'bulk',
  packetSize: 64,
});

const iface = (n: number, interfaceClass: number, endpoints: USBEndpoint[]): USBInterface => {
  const alternate = {
    alternateSetting: 0,
    interfaceClass,
    interfaceSubclass: 0,
    interfaceProtocol: 0,
    interfaceName: null,
    endpoints,
  };
  return { interfaceNumber: n, alternate, alternates: [alternate], claimed: false };
};

const vendorBridge = (id: { vendorId: number; productId: number }) =>
  new FakeUsbDevice(id.vendorId, id.productId, [iface(0, 0xff, [bulk(1, 'in'), bulk(1, 'out')])]);

const cdcDevice = () =>
  new FakeUsbDevice(0x1234, 0x5678, [
    iface(0, 0x02, [{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 8 }]),
    iface(1, 0x0a, [bulk(2, 'in'), bulk(2, 'out')]),
  ]);

function fakeUsb(device: FakeUsbDevice) {
  const target = new EventTarget();
  return Object.assign(target, {
    requestDevice: () => Promise.resolve(device as unknown as USBDevice),
    getDevices: () => Promise.resolve([device as unknown as USBDevice]),
    unplug(d: FakeUsbDevice) {
      d.unplug();
      const event = Object.assign(new Event('disconnect'), { device: d });
      target.dispatchEvent(event);
    },
  });
}

const CMS50D_PLUS = { baudRate: 19200, dataBits: 8, parity: 'odd', stopBits: 1 } as const;

describe('USB serial bridges over WebUSB', () => {
  it('recognises CP210x, CH340/CH341 and CDC-ACM devices, and nothing else', () => {
    expect(detectBridge(vendorBridge(USB_SERIAL_BRIDGES.cp210x) as unknown as USBDevice)).toBe(
      'cp210x',
    );
    expect(detectBridge(vendorBridge(USB_SERIAL_BRIDGES.ch340) as unknown as USBDevice)).toBe(
      'ch340',
    );
    expect(detectBridge(vendorBridge(USB_SERIAL_BRIDGES.ch341) as unknown as USBDevice)).toBe(
      'ch340',
    );
    expect(detectBridge(cdcDevice() as unknown as USBDevice)).toBe('cdcAcm');
    expect(
      detectBridge(vendorBridge(USB_SERIAL_BRIDGES.pl2303) as unknown as USBDevice),
    ).toBeUndefined();
  });

  it('CDC-ACM line coding for 19200 8O1 is the 7-byte SET_LINE_CODING payload', () => {
    expect([...cdcLineCoding(CMS50D_PLUS)]).toEqual([0x00, 0x4b, 0x00, 0x00, 0x00, 0x01, 0x08]);
  });

  it('CP210x line control packs stop bits, parity and data bits as AN571 says', () => {
    expect(cp210xLineControl(CMS50D_PLUS)).toBe(0x0810);
    expect(cp210xLineControl({ baudRate: 4800 })).toBe(0x0800);
  });

  it('CH340 divisors match the Linux ch341 driver', () => {
    expect(ch341Divisor(9600, 0x27)).toBe(0xb202);
    expect(ch341Divisor(19200, 0x27)).toBe(0xd902);
    expect(ch341Divisor(19200, 0x31)).toBe(0xd982);
    expect(ch341Divisor(4800, 0x27)).toBe(0x6402);
    expect(ch341Divisor(4800, 0x31)).toBe(0x6482);
    expect(ch341LineControl(CMS50D_PLUS)).toBe(0xcb);
  });

  it('a CP210x cable is enabled, set to the profile baud rate and line settings, with DTR and RTS raised', async () => {
    const device = vendorBridge(USB_SERIAL_BRIDGES.cp210x);
    const adapter = new SerialAdapter({
      provider: webUsbSerialProvider(fakeUsb(device) as unknown as USB),
    });
    await adapter.request({ kind: 'pulseOximeter', profileId: 'contec-cms50dplus' });
    expect((await adapter.connect()).ok).toBe(true);
    expect(
      device.controls.map((c) => [c.setup.requestType, c.setup.request, c.setup.value, c.data]),
    ).toEqual([
      ['vendor', 0x00, 0x0001, undefined],
      ['vendor', 0x1e, 0, [0x00, 0x4b, 0x00, 0x00]],
      ['vendor', 0x03, 0x0810, undefined],
      ['vendor', 0x07, 0x0303, undefined],
    ]);
    await adapter.disconnect();
    expect(device.controls.at(-1)?.setup).toMatchObject({ request: 0x00, value: 0 });
    expect(device.opened).toBe(false);
  });

  it('a CH340 cable gets the Linux init sequence for 19200 8O1', async () => {
    const device = vendorBridge(USB_SERIAL_BRIDGES.ch340);
    const adapter = new SerialAdapter({
      provider: webUsbSerialProvider(fakeUsb(device) as unknown as USB),
    });
    await adapter.request({ kind: 'pulseOximeter', profileId: 'contec-cms50dplus' });
    await adapter.connect();
    expect(device.controls.map((c) => [c.setup.request, c.setup.value, c.setup.index])).toEqual([
      [0x5f, 0, 0],
      [0xa1, 0, 0],
      [0x9a, 0x1312, 0xd982],
      [0x9a, 0x2518, 0xcb],
      [0xa4, 0xff9f, 0],
    ]);
    await adapter.disconnect();
  });

  it('a CMS50 on a CDC-ACM device streams through the same parser to live values, then unplugs', async () => {
    const device = cdcDevice();
    const usb = fakeUsb(device);
    const adapter = new SerialAdapter({ provider: webUsbSerialProvider(usb as unknown as USB) });
    const live: DeviceEventMap['live'][] = [];
    adapter.on('live', (l) => live.push(l));
    const requested = await adapter.request({ kind: 'pulseOximeter' });
    expect(requested.ok && requested.value.transport).toBe('webusb');
    await adapter.connect();
    expect(device.claimed).toEqual([0, 1]);
    expect(device.controls[0]).toMatchObject({
      setup: { requestType: 'class', recipient: 'interface', request: 0x20, index: 0 },
      data: [0x00, 0x4b, 0x00, 0x00, 0x00, 0x01, 0x08],
    });
    expect(device.controls[1]?.setup).toMatchObject({ request: 0x22, value: 0x03 });
    device.feed(generateCms50Stream(seededRandom(9), { packets: 60, spo2: 98, pulseRate: 70 }));
    for (let i = 0; i < 50; i++) await Promise.resolve();
    expect(live.flatMap((l) => l.pleth ?? [])).toHaveLength(59);
    expect(live.at(-1)?.spo2Percent).toBeGreaterThanOrEqual(97);
    usb.unplug(device);
    await adapter.stopped;
    expect(adapter.status).toEqual({ state: 'disconnected', reason: 'unplugged' });
  });

  it('a bridge without a WebUSB driver is reported as UnsupportedBridge', async () => {
    const device = vendorBridge(USB_SERIAL_BRIDGES.pl2303);
    const adapter = new SerialAdapter({
      provider: webUsbSerialProvider(fakeUsb(device) as unknown as USB),
    });
    expect(await adapter.request({ kind: 'pulseOximeter' })).toEqual({
      ok: false,
      error: { type: 'UnsupportedBridge', vendorId: 0x067b, productId: 0x2303 },
    });
  });
});
