// SMB: the SMB2 NEGOTIATE response (dialect, signing, server GUID, capabilities, time) or an SMB1 negotiate answer.
//
//  0  00 | length u24be             NetBIOS session message
//  4  fe 'SMB' | StructureSize u16 (64) | CreditCharge u16 | Status u32 @8 | Command u16 @12 ...  (64 bytes, LE)
// 68  NEGOTIATE response: StructureSize u16 (65) | SecurityMode u16 @+2 | DialectRevision u16 @+4
//     | NegotiateContextCount u16 @+6 | ServerGuid[16] @+8 | Capabilities u32 @+24 | MaxTransactSize u32 @+28
//     | MaxReadSize u32 @+32 | MaxWriteSize u32 @+36 | SystemTime u64 @+40 (FILETIME) | ServerStartTime u64 @+48
//  SMB1: ff 'SMB' | Command u8 (0x72) | Status u32 | ... 32-byte header, then WordCount u8 | DialectIndex u16le
import { BufferedSession, Fields, Parser } from './types';
import { hex } from './text';

const DIALECTS: Record<number, string> = { 0x0202: '2.0.2', 0x0210: '2.1', 0x0300: '3.0', 0x0302: '3.0.2', 0x0311: '3.1.1', 0x02ff: '2.x' };
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
// FILETIME counts 100 ns since 1601-01-01; the epoch is 11644473600 s later.
const FILETIME_EPOCH_US = 11644473600n * 1000000n;

function guid(b: Uint8Array, o: number): string {
  const h = hex(b, o, o + 16);
  // Mixed-endian text form: the first three groups are little-endian.
  const le = (s: string) => s.match(/../g)!.reverse().join('');
  return `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 8 || b[0] !== 0) return f;
  const nbLen = (b[1] << 16) | (b[2] << 8) | b[3];
  if (4 + nbLen > b.length) f.smb_partial = true;
  const h = 4;
  if (b[h] === 0xff && b[h + 1] === 0x53 && b[h + 2] === 0x4d && b[h + 3] === 0x42) {
    f.smb_version = 1;
    if (b.length >= h + 9) f.smb_status = u32(b, h + 5).toString(16).padStart(8, '0');
    if (b[h + 4] === 0x72 && b.length >= h + 35) f.smb_dialect_index = u16(b, h + 33);
    return f;
  }
  if (!(b[h] === 0xfe && b[h + 1] === 0x53 && b[h + 2] === 0x4d && b[h + 3] === 0x42)) return f;
  f.smb_version = 2;
  if (b.length < h + 16) return f;
  const status = u32(b, h + 8);
  if (status !== 0) f.smb_status = status.toString(16).padStart(8, '0');
  f.smb_command = u16(b, h + 12);
  const n = h + 64;
  if (u16(b, h + 12) !== 0 || b.length < n + 6) return f;
  const mode = u16(b, n + 2);
  f.smb_signing_enabled = (mode & 1) === 1;
  f.smb_signing_required = (mode & 2) === 2;
  const d = u16(b, n + 4);
  f.smb_dialect = DIALECTS[d] ?? '0x' + d.toString(16).padStart(4, '0');
  if (b.length >= n + 24) f.smb_guid = guid(b, n + 8);
  if (b.length >= n + 28) f.smb_capabilities = u32(b, n + 24);
  if (b.length >= n + 40) { f.smb_max_transact = u32(b, n + 28); f.smb_max_read = u32(b, n + 32); f.smb_max_write = u32(b, n + 36); }
  if (b.length >= n + 48) {
    const ft = BigInt(u32(b, n + 40)) + (BigInt(u32(b, n + 44)) << 32n);
    if (ft > 0n) { const us = ft / 10n - FILETIME_EPOCH_US; if (us > 0n && us < 1n << 53n) f.smb_system_time_us = Number(us); }
  }
  return f;
}

export const smb: Parser = {
  name: 'smb',
  ports: [445, 139],
  fields: ['smb_version', 'smb_status', 'smb_command', 'smb_dialect', 'smb_dialect_index', 'smb_signing_enabled', 'smb_signing_required',
    'smb_guid', 'smb_capabilities', 'smb_max_transact', 'smb_max_read', 'smb_max_write', 'smb_system_time_us', 'smb_partial'],
  detect(b, probe, port) {
    if (b.length >= 8 && b[0] === 0 && (b[4] === 0xfe || b[4] === 0xff) && b[5] === 0x53 && b[6] === 0x4d && b[7] === 0x42) return 3;
    const hinted = probe === 'smb' || this.ports.includes(port);
    return hinted ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 4096),
};
