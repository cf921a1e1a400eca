/**
 * Serial settings per device profile, as plain data for the WebSerial adapter
 * (web/src/lib/devices). No transport code here.
 *
 * CMS50 settings: the Contec protocol text (translated on picbasic.co.uk) gives
 * 4800 baud 8N1 for the original CMS50 real-time stream; atbrask's CMS50D+ reader
 * (firmware 4.x, the USB cable with a bridge) opens 19200 baud, 8 data bits, odd
 * parity, 1 stop bit ("1O8"). Try the D+ profile first, then the legacy one.
 *
 * USB ids of the common USB-serial bridges (vendor:product, hex):
 *   Silicon Labs CP210x 10c4:ea60 · WCH CH340 1a86:7523 · WCH CH341 1a86:5523 ·
 *   Prolific PL2303 067b:2303 · FTDI FT232R 0403:6001 · FTDI FT231X 0403:6015 ·
 *   CDC-ACM is a class (0x02), matched by interface class, not by id.
 */

export interface UsbId {
  readonly vendorId: number;
  readonly productId: number;
  readonly chip: string;
}

export const USB_SERIAL_BRIDGES = {
  cp210x: { vendorId: 0x10c4, productId: 0xea60, chip: 'Silicon Labs CP210x' },
  ch340: { vendorId: 0x1a86, productId: 0x7523, chip: 'WCH CH340' },
  ch341: { vendorId: 0x1a86, productId: 0x5523, chip: 'WCH CH341' },
  pl2303: { vendorId: 0x067b, productId: 0x2303, chip: 'Prolific PL2303' },
  ftdiFt232r: { vendorId: 0x0403, productId: 0x6001, chip: 'FTDI FT232R' },
  ftdiFt231x: { vendorId: 0x0403, productId: 0x6015, chip: 'FTDI FT231X' },
} as const satisfies Record<string, UsbId>;

/** USB class code of CDC-ACM (communications device class), for interface-class filters. */
export const USB_CLASS_CDC = 0x02;

export interface SerialProfile {
  readonly id: string;
  readonly name: string;
  readonly protocol: 'cms50';
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: 'none' | 'even' | 'odd';
  readonly stopBits: 1 | 2;
  readonly flowControl: 'none' | 'hardware';
  /** Bridges this device is known to ship with, for the port picker's filters. */
  readonly usbIds: readonly UsbId[];
  /** Also offer CDC-ACM devices. */
  readonly cdcAcm: boolean;
}

export const DEVICE_PROFILES: readonly SerialProfile[] = [
  {
    id: 'contec-cms50dplus',
    name: 'Contec CMS50D+ / CMS50E (USB cable)',
    protocol: 'cms50',
    baudRate: 19200,
    dataBits: 8,
    parity: 'odd',
    stopBits: 1,
    flowControl: 'none',
    usbIds: [
      USB_SERIAL_BRIDGES.cp210x,
      USB_SERIAL_BRIDGES.pl2303,
      USB_SERIAL_BRIDGES.ch340,
      USB_SERIAL_BRIDGES.ch341,
    ],
    cdcAcm: true,
  },
  {
    id: 'contec-cms50-legacy',
    name: 'Contec CMS50 (legacy 4800 baud)',
    protocol: 'cms50',
    baudRate: 4800,
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    flowControl: 'none',
    usbIds: [
      USB_SERIAL_BRIDGES.cp210x,
      USB_SERIAL_BRIDGES.pl2303,
      USB_SERIAL_BRIDGES.ch340,
      USB_SERIAL_BRIDGES.ftdiFt232r,
      USB_SERIAL_BRIDGES.ftdiFt231x,
    ],
    cdcAcm: true,
  },
];
