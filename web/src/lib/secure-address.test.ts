import { describe, expect, it } from 'vitest';
import { secureAddressFrom } from './secure-address';

describe('secureAddressFrom', () => {
  const page = new URL('http://192.168.1.10:8787/setup');

  it('the https address is this host and port; the certificate is on this origin', () => {
    expect(
      secureAddressFrom({ version: '1', https: { clinicCertificate: '/ca.crt' } }, page),
    ).toEqual({
      url: 'https://192.168.1.10:8787/',
      certificateUrl: 'http://192.168.1.10:8787/ca.crt',
    });
  });

  it('port 80 stays port 80 (the server answers both on one port)', () => {
    expect(
      secureAddressFrom({ https: { clinicCertificate: null } }, new URL('http://outpost.lan/')),
    ).toEqual({ url: 'https://outpost.lan:80/', certificateUrl: undefined });
  });

  it('no https on offer, or an odd answer: nothing to suggest', () => {
    expect(secureAddressFrom({ version: '1' }, page)).toBeUndefined();
    expect(secureAddressFrom(null, page)).toBeUndefined();
    expect(
      secureAddressFrom({ https: { clinicCertificate: 'https://evil.example/x.crt' } }, page),
    ).toEqual({ url: 'https://192.168.1.10:8787/', certificateUrl: undefined });
  });
});
