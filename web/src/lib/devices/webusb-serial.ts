/**
 * USB-serial over WebUSB, for Android Chrome (which has WebUSB but no Web
 * Serial). Presents the same `SerialPortLike` the serial adapter reads, so a
 * CMS50 on a tablet goes through exactly the same parser path as on a laptop.
 *
 * Drivers (minimal: configure the line, raise DTR/RTS, read bulk IN):
 * - CDC-ACM (USB CDC PSTN 1.2 §6.3): class requests SET_LINE_CODING (0x20,
 *   7 bytes: dwDTERate LE, bCharFormat 0=1/1=1.5/2=2 stop bits, bParityType
 *   0 none/1 odd/2 even, bDataBits) and SET_CONTROL_LINE_STATE (0x22, DTR|RTS)
 *   to the communications interface; data on the CDC data interface (class 0x0A).
 * - Silicon Labs CP210x (AN571): vendor requests to the interface:
 *   IFC_ENABLE 0x00 (1), SET_BAUDRATE 0x1E (4 bytes LE), SET_LINE_CTL 0x03
 *   (stop bits 0–3 | parity << 4 | data bits << 8), SET_MHS 0x07 (0x0303: DTR
 *   and RTS on, with their mask bits); IFC_ENABLE 0 on close.
 * - WCH CH340/CH341 (as Linux drivers/usb/serial/ch341.c): vendor requests to the
 *   device: READ_VERSION 0x5F, SERIAL_INIT 0xA1, WRITE_REG 0x9A to the
 *   prescaler/divisor registers 0x1312 and, from chip version 0x30, the line
 *   control registers 0x2518; MODEM_CTRL 0xA4 with the inverted DTR|RTS bits.
 * PL2303 and FTDI need more involved drivers and are reported as
 * `UnsupportedBridge` (web-serial-polyfill was considered: it speaks CDC-ACM only,
 * so it would not reach the CP210x/CH340 cables oximeters actually ship with).
 */
import { USB_CLASS_CDC, USB_SERIAL_BRIDGES, type SerialProfile } from '@outpost/shared/devices';
import type { SerialPortLike, SerialPortProvider } from './serial';

export const USB_CLASS_CDC_DATA = 0x0a;

export type UsbBridge = 'cdcAcm' | 'cp210x' | 'ch340';

export class UnsupportedBridgeError extends Error {
  override readonly name = 'UnsupportedBridgeError';
  constructor(
    readonly vendorId: number,
    readonly productId: number,
  ) {
    super(
      `no WebUSB driver for USB serial bridge ${vendorId.toString(16)}:${productId.toString(16)}`,
    );
  }
}

function interfaces(device: USBDevice): USBInterface[] {
  return device.configuration?.interfaces ?? device.configurations[0]?.interfaces ?? [];
}

export function detectBridge(device: USBDevice): UsbBridge | undefined {
  const { vendorId, productId } = device;
  if (vendorId === USB_SERIAL_BRIDGES.cp210x.vendorId) return 'cp210x';
  if (
    vendorId === USB_SERIAL_BRIDGES.ch340.vendorId &&
    (productId === USB_SERIAL_BRIDGES.ch340.productId ||
      productId === USB_SERIAL_BRIDGES.ch341.productId)
  )
    return 'ch340';
  const isCdc = interfaces(device).some((i) =>
    i.alternates.some((a) => a.interfaceClass === USB_CLASS_CDC),
  );
  return isCdc || device.deviceClass === USB_CLASS_CDC ? 'cdcAcm' : undefined;
}

// --- line settings encodings ---

const PARITY_CODE: Readonly<Record<ParityType, number>> = { none: 0, odd: 1, even: 2 };

export function cdcLineCoding(options: SerialOptions): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(7);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, options.baudRate, true);
  view.setUint8(4, options.stopBits === 2 ? 2 : 0);
  view.setUint8(5, PARITY_CODE[options.parity ?? 'none']);
  view.setUint8(6, options.dataBits ?? 8);
  return bytes;
}

export function cp210xLineControl(options: SerialOptions): number {
  return (
    (options.stopBits === 2 ? 2 : 0) |
    (PARITY_CODE[options.parity ?? 'none'] << 4) |
    ((options.dataBits ?? 8) << 8)
  );
}

const CH341_CLK_HZ = 48_000_000;
const ch341ClkDiv = (ps: number, fact: number) => 1 << (12 - 3 * ps - fact);
const CH341_MIN_RATES = [0, 1, 2, 3].map((ps) =>
  Math.floor(CH341_CLK_HZ / (ch341ClkDiv(ps, 1) * 512)),
);

/**
 * The CH34x prescaler/divisor register value for a baud rate (Linux ch341_get_divisor),
 * with bit 7 set so the chip forwards bytes without waiting for a full 32-byte packet
 * (chip versions after 0x27).
 */
export function ch341Divisor(baudRate: number, chipVersion: number): number {
  const speed = Math.min(2_000_000, Math.max(46, baudRate));
  let ps = 3;
  while (ps >= 0 && !(speed > (CH341_MIN_RATES[ps] ?? 0))) ps--;
  if (ps < 0) throw new RangeError(`baud rate ${baudRate} out of range`);
  let fact = 1;
  let clkDiv = ch341ClkDiv(ps, fact);
  let div = Math.floor(CH341_CLK_HZ / (clkDiv * speed));
  if (div < 9 || div > 255) {
    div = Math.floor(div / 2);
    clkDiv *= 2;
    fact = 0;
  }
  if (div < 2) throw new RangeError(`baud rate ${baudRate} out of range`);
  if (
    Math.floor((16 * CH341_CLK_HZ) / (clkDiv * div)) - 16 * speed >=
    16 * speed - Math.floor((16 * CH341_CLK_HZ) / (clkDiv * (div + 1)))
  )
    div++;
  if (fact === 1 && div % 2 === 0) {
    div /= 2;
    fact = 0;
  }
  const value = ((0x100 - div) << 8) | (fact << 2) | ps;
  return chipVersion > 0x27 ? value | 0x80 : value;
}

export function ch341LineControl(options: SerialOptions): number {
  let lcr = 0x80 | 0x40; // enable RX, TX
  lcr |= options.dataBits === 7 ? 0x02 : 0x03;
  if (options.parity === 'odd') lcr |= 0x08;
  if (options.parity === 'even') lcr |= 0x08 | 0x10;
  if (options.stopBits === 2) lcr |= 0x04;
  return lcr;
}

// --- the port ---

interface Endpoints {
  readonly controlInterface: number;
  readonly dataInterface: number;
  readonly inEndpoint: number;
  readonly packetSize: number;
}

function findEndpoints(device: USBDevice, bridge: UsbBridge): Endpoints {
  const list = interfaces(device);
  const dataIface =
    bridge === 'cdcAcm'
      ? list.find((i) => i.alternates.some((a) => a.interfaceClass === USB_CLASS_CDC_DATA))
      : list[0];
  const alternate = dataIface?.alternates.find((a) =>
    a.endpoints.some((e) => e.direction === 'in' && e.type === 'bulk'),
  );
  const inEp = alternate?.endpoints.find((e) => e.direction === 'in' && e.type === 'bulk');
  if (!dataIface || !inEp) throw new Error('no bulk IN endpoint on the USB serial device');
  const controlIface =
    bridge === 'cdcAcm'
      ? (list.find((i) => i.alternates.some((a) => a.interfaceClass === USB_CLASS_CDC)) ??
        dataIface)
      : dataIface;
  return {
    controlInterface: controlIface.interfaceNumber,
    dataInterface: dataIface.interfaceNumber,
    inEndpoint: inEp.endpointNumber,
    packetSize: inEp.packetSize || 64,
  };
}

async function controlOut(
  device: USBDevice,
  setup: USBControlTransferParameters,
  data?: BufferSource,
): Promise<void> {
  const result = await device.controlTransferOut(setup, data);
  if (result.status !== 'ok')
    throw new Error(`USB control request 0x${setup.request.toString(16)} ${result.status}`);
}

export class UsbSerialPort extends EventTarget implements SerialPortLike {
  readonly bridge: UsbBridge;
  #readable: ReadableStream<Uint8Array> | null = null;
  #endpoints: Endpoints | undefined;
  #open = false;

  constructor(
    readonly device: USBDevice,
    usb?: Pick<USB, 'addEventListener'>,
  ) {
    super();
    const bridge = detectBridge(device);
    if (!bridge) throw new UnsupportedBridgeError(device.vendorId, device.productId);
    this.bridge = bridge;
    usb?.addEventListener('disconnect', (event: USBConnectionEvent) => {
      if (event.device === this.device) this.dispatchEvent(new Event('disconnect'));
    });
  }

  get readable(): ReadableStream<Uint8Array> | null {
    return this.#readable;
  }

  getInfo(): SerialPortInfo {
    return { usbVendorId: this.device.vendorId, usbProductId: this.device.productId };
  }

  async open(options: SerialOptions): Promise<void> {
    const device = this.device;
    await device.open();
    if (!device.configuration) await device.selectConfiguration(1);
    const endpoints = findEndpoints(device, this.bridge);
    this.#endpoints = endpoints;
    await device.claimInterface(endpoints.controlInterface);
    if (endpoints.dataInterface !== endpoints.controlInterface)
      await device.claimInterface(endpoints.dataInterface);
    await this.#configure(options, endpoints);
    this.#open = true;
    this.#readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const result = await device.transferIn(endpoints.inEndpoint, endpoints.packetSize);
        if (result.status === 'stall') {
          await device.clearHalt('in', endpoints.inEndpoint);
          return;
        }
        if (result.data && result.data.byteLength > 0) {
          const { buffer, byteOffset, byteLength } = result.data;
          controller.enqueue(new Uint8Array(buffer.slice(byteOffset, byteOffset + byteLength)));
        }
      },
    });
  }

  async #configure(options: SerialOptions, endpoints: Endpoints): Promise<void> {
    const device = this.device;
    switch (this.bridge) {
      case 'cdcAcm': {
        const base = {
          requestType: 'class',
          recipient: 'interface',
          index: endpoints.controlInterface,
        } as const;
        await controlOut(device, { ...base, request: 0x20, value: 0 }, cdcLineCoding(options));
        await controlOut(device, { ...base, request: 0x22, value: 0x03 });
        return;
      }
      case 'cp210x': {
        const base = {
          requestType: 'vendor',
          recipient: 'interface',
          index: endpoints.controlInterface,
        } as const;
        const baud = new Uint8Array(4);
        new DataView(baud.buffer).setUint32(0, options.baudRate, true);
        await controlOut(device, { ...base, request: 0x00, value: 0x0001 }); // IFC_ENABLE
        await controlOut(device, { ...base, request: 0x1e, value: 0 }, baud); // SET_BAUDRATE
        await controlOut(device, { ...base, request: 0x03, value: cp210xLineControl(options) });
        await controlOut(device, { ...base, request: 0x07, value: 0x0303 }); // SET_MHS DTR+RTS
        return;
      }
      case 'ch340': {
        const base = { requestType: 'vendor', recipient: 'device' } as const;
        const version = await device.controlTransferIn(
          { ...base, request: 0x5f, value: 0, index: 0 },
          2,
        );
        const chipVersion = version.data?.getUint8(0) ?? 0;
        await controlOut(device, { ...base, request: 0xa1, value: 0, index: 0 }); // SERIAL_INIT
        await controlOut(device, {
          ...base,
          request: 0x9a,
          value: 0x1312,
          index: ch341Divisor(options.baudRate, chipVersion),
        });
        if (chipVersion >= 0x30) {
          await controlOut(device, {
            ...base,
            request: 0x9a,
            value: 0x2518,
            index: ch341LineControl(options),
          });
        }
        // MODEM_CTRL takes the inverted bits: DTR 0x20, RTS 0x40.
        await controlOut(device, {
          ...base,
          request: 0xa4,
          value: ~(0x20 | 0x40) & 0xffff,
          index: 0,
        });
        return;
      }
    }
  }

  async close(): Promise<void> {
    const device = this.device;
    const endpoints = this.#endpoints;
    this.#readable = null;
    if (!this.#open || !endpoints) return;
    this.#open = false;
    try {
      if (this.bridge === 'cp210x') {
        await device.controlTransferOut({
          requestType: 'vendor',
          recipient: 'interface',
          request: 0x00,
          value: 0,
          index: endpoints.controlInterface,
        });
      }
      await device.releaseInterface(endpoints.dataInterface);
      if (endpoints.dataInterface !== endpoints.controlInterface)
        await device.releaseInterface(endpoints.controlInterface);
    } finally {
      await device.close().catch(() => {});
    }
  }
}

/** WebUSB as a serial port provider (Android Chrome). */
export function webUsbSerialProvider(usb: USB = navigator.usb): SerialPortProvider {
  const ports = new Map<USBDevice, UsbSerialPort>();
  const portFor = (device: USBDevice) => {
    let port = ports.get(device);
    if (!port) {
      port = new UsbSerialPort(device, usb);
      ports.set(device, port);
    }
    return port;
  };
  return {
    transport: 'webusb',
    async requestPort(profile: SerialProfile) {
      const device = await usb.requestDevice({
        filters: [
          ...profile.usbIds.map((id) => ({ vendorId: id.vendorId, productId: id.productId })),
          ...(profile.cdcAcm ? [{ classCode: USB_CLASS_CDC }] : []),
        ],
      });
      return portFor(device);
    },
    async getPorts() {
      const devices = await usb.getDevices();
      return devices.filter((d) => detectBridge(d) !== undefined).map(portFor);
    },
  };
}
