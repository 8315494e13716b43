// NTP server answers (RFC 5905, mode 4): version, mode, stratum, the reference (refid), root
// delay and dispersion, the reference time.
//
//   0  LI(7-6)|VN(5-3)|mode(2-0)[1]  stratum[1]  poll[1] (log2 s, signed)  precision[1] (log2 s, signed)
//   4  root delay[4] and root dispersion[4]: NTP short format, 16.16 fixed-point seconds
//  12  reference id[4]: stratum 0 a kiss code, 1 a source name (ASCII, "GPS", "PPS"), else the
//      IPv4 address of the server's source (for IPv6 sources the first 4 bytes of its MD5)
//  16  reference timestamp[8]: 32.32 seconds since 1900 (era 0)   24 origin  32 receive  40 transmit
import { Fields, Parser, BufferedSession } from './types';
import { cleanString } from './text';

const NTP_UNIX_OFFSET = 2208988800;   // seconds from 1900-01-01 to 1970-01-01
const MODES = ['reserved', 'symmetric-active', 'symmetric-passive', 'client', 'server', 'broadcast', 'control', 'private'];

function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }

/** 16.16 seconds as integer microseconds. */
function shortUs(b: Uint8Array, o: number): number { return Math.round(u32(b, o) * 1e6 / 65536); }

function parseNtp(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 4) return f;
  f.ntp_leap = b[0] >> 6;
  f.ntp_version = (b[0] >> 3) & 7;
  f.ntp_mode = MODES[b[0] & 7];
  if (b.length < 48 || (b[0] & 7) === 6 || (b[0] & 7) === 7) return f;   // control/private: another layout
  const stratum = b[1];
  f.ntp_stratum = stratum;
  f.ntp_poll = (b[2] << 24) >> 24;
  f.ntp_precision = (b[3] << 24) >> 24;
  f.ntp_root_delay_us = shortUs(b, 4);
  f.ntp_root_dispersion_us = shortUs(b, 8);
  if (stratum <= 1) {
    let s = '';
    for (let i = 12; i < 16 && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
    const t = cleanString(s);
    if (t) f.ntp_refid = t;
  } else f.ntp_refid = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const sec = u32(b, 16), frac = u32(b, 20);
  // Zero: the server has never synchronised. Era 0 ends in 2036; later seconds wrap to small values.
  if (sec !== 0 || frac !== 0) f.ntp_reference_time = (sec - NTP_UNIX_OFFSET) * 1e6 + Math.floor(frac * 1e6 / 2 ** 32);
  return f;
}

export const ntp: Parser = {
  name: 'ntp',
  ports: [123],
  fields: ['ntp_leap', 'ntp_version', 'ntp_mode', 'ntp_stratum', 'ntp_poll', 'ntp_precision', 'ntp_root_delay_us',
    'ntp_root_dispersion_us', 'ntp_refid', 'ntp_reference_time'],
  detect(b, probe, port) {
    const vn = b.length ? (b[0] >> 3) & 7 : 0;
    if (b.length >= 48 && vn >= 1 && vn <= 4 && (b[0] & 7) === 4) return 2;
    return probe === 'ntp' || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new BufferedSession(parseNtp, 1024),
};
