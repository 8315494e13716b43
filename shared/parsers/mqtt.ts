// MQTT CONNACK (3.1.1 and 5.0): session-present flag and return / reason code.
//
// fixed header: 0x20 | remaining length (varint, 1-4 bytes) | flags u8 (bit 0 session present) | code u8
// MQTT 5 adds properties after the code.
import { BufferedSession, Fields, Parser } from './types';

const CODES: Record<number, string> = {
  0: 'accepted', 1: 'unacceptable_protocol_version', 2: 'identifier_rejected', 3: 'server_unavailable',
  4: 'bad_username_or_password', 5: 'not_authorized',
  0x80: 'unspecified_error', 0x81: 'malformed_packet', 0x82: 'protocol_error', 0x84: 'unsupported_protocol_version',
  0x85: 'client_identifier_not_valid', 0x86: 'bad_username_or_password', 0x87: 'not_authorized', 0x88: 'server_unavailable',
  0x89: 'server_busy', 0x8a: 'banned', 0x8c: 'bad_authentication_method',
};

function parse(b: Uint8Array): Fields {
  const f: Fields = {};
  if (b.length < 1 || b[0] !== 0x20) return f;
  let len = 0, o = 1, mult = 1;
  for (; o < b.length && o <= 4; o++) {
    len += (b[o] & 0x7f) * mult;
    mult *= 128;
    if (!(b[o] & 0x80)) { o++; break; }
  }
  f.mqtt_packet = 'connack';
  if (o + 2 > b.length) { f.mqtt_partial = true; return f; }
  f.mqtt_session_present = (b[o] & 1) === 1;
  const code = b[o + 1];
  f.mqtt_return_code = code;
  f.mqtt_return = CODES[code] ?? String(code);
  if (code === 4 || code === 5 || code === 0x86 || code === 0x87) f.mqtt_auth_required = true;
  if (len > 2) f.mqtt_version = 5;
  return f;
}

export const mqtt: Parser = {
  name: 'mqtt',
  ports: [1883, 8883],
  fields: ['mqtt_packet', 'mqtt_session_present', 'mqtt_return_code', 'mqtt_return', 'mqtt_auth_required', 'mqtt_version', 'mqtt_partial'],
  detect(b, probe, port) {
    const hinted = probe === 'mqtt' || this.ports.includes(port);
    if (b.length >= 1 && b[0] === 0x20 && hinted) return 3;
    if (b.length === 4 && b[0] === 0x20 && b[1] === 2 && b[2] <= 1 && b[3] <= 5) return 2;
    return hinted ? 1 : 0;
  },
  start: () => new BufferedSession(parse, 4096),
};
