// RDP: the X.224 Connection Confirm to our connection request, with the RDP negotiation response or failure.
//
// TPKT:  03 | 00 | length u16be                           (RFC 1006)
// X.224: LI u8 | 0xD0 (CC) | dst_ref u16 | src_ref u16 | class u8      (ISO 8073)
// RDP_NEG_RSP:     02 | flags u8 | length u16le (8) | selectedProtocol u32le   ([MS-RDPBCGR] 2.2.1.2)
// RDP_NEG_FAILURE: 03 | flags u8 | length u16le (8) | failureCode u32le
import { BufferedSession, Fields, Parser } from './types';

const PROTOCOLS: Record<number, string> = { 0: 'rdp', 1: 'ssl', 2: 'hybrid', 4: 'rdstls', 8: 'hybrid_ex', 16: 'rdsaad' };
const FAILURES: Record<number, string> = {
  1: 'ssl_required_by_server', 2: 'ssl_not_allowed_by_server', 3: 'ssl_cert_not_on_server', 4: 'inconsistent_flags',
  5: 'hybrid_required_by_server', 6: 'ssl_with_user_auth_required_by_server',
};
const X224: Record<number, string> = { 0xd0: 'connection_confirm', 0xe0: 'connection_request', 0x80: 'disconnect_request', 0xf0: 'data', 0x70: 'error' };

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 4 || b[0] !== 3) return f;
  const len = (b[2] << 8) | b[3];
  f.rdp_tpkt_len = len;
  if (len > b.length) f.rdp_partial = true;
  if (b.length < 6) return f;
  const li = b[4], code = b[5] & 0xf0;
  f.rdp_x224 = X224[code] ?? String(code);
  // The negotiation structure follows the 7-byte fixed CC header; LI (header length after
  // itself) then counts it too: 6 without, 14 with.
  const neg = 11;
  if (code !== 0xd0 || li < 14 || neg + 8 > Math.min(b.length, len)) return f;
  const type = b[neg], flags = b[neg + 1];
  const value = (b[neg + 4] | (b[neg + 5] << 8) | (b[neg + 6] << 16)) + b[neg + 7] * 0x1000000;
  if (type === 2) {
    f.rdp_selected_protocol = PROTOCOLS[value] ?? String(value);
    f.rdp_neg_flags = flags;
  } else if (type === 3) f.rdp_failure = FAILURES[value] ?? String(value);
  return f;
}

export const rdp: Parser = {
  name: 'rdp',
  ports: [3389],
  fields: ['rdp_tpkt_len', 'rdp_x224', 'rdp_selected_protocol', 'rdp_neg_flags', 'rdp_failure', 'rdp_partial'],
  detect(b, probe, port) {
    const hinted = probe === 'rdp' || this.ports.includes(port);
    if (b.length >= 6 && b[0] === 3 && b[1] === 0 && (b[5] & 0xf0) === 0xd0) return 3;
    if (hinted && b.length >= 1 && b[0] === 3 && (b.length < 2 || b[1] === 0)) return 2;
    return hinted ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 4096),
};
