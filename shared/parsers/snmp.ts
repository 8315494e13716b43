// SNMP answers (RFC 1157, 3416, 3412/3414), BER decoded with every length checked (shared/udp/ber.ts):
// v1/v2c: community, PDU type, request-id, error status and index, the varbinds (sysDescr.0 as
// snmp_sys_descr); v3: the authoritative engine ID, boots and time of a discovery report.
//
//   v1/v2c: 30 { 02 version(0|1)  04 community  PDU A0-A8 { 02 request-id  02 error-status
//             02 error-index  30 { 30 { 06 OID  value } ... } } }
//   v3:     30 { 02 version(3)  30 { 02 msgID  02 msgMaxSize  04 msgFlags  02 securityModel }
//             04 { 30 { 04 engineID  02 boots  02 time  04 user  04 auth  04 priv } }
//             30 { 04 contextEngineID  04 contextName  PDU } | 04 encrypted }
// The decoding follows this fixed shape only (no recursion on values): nesting is bounded by it.
import { Fields, Parser, BufferedSession } from './types';
import { cleanString, hex } from './text';
import { Tlv, int, readTlv } from '../udp/ber';

const MAX_VARBINDS = 16;
const PDUS: Record<number, string> = {
  0xa0: 'get-request', 0xa1: 'get-next-request', 0xa2: 'response', 0xa3: 'set-request', 0xa4: 'trap-v1',
  0xa5: 'get-bulk-request', 0xa6: 'inform-request', 0xa7: 'trap', 0xa8: 'report',
};
const ERRORS = ['noError', 'tooBig', 'noSuchName', 'badValue', 'readOnly', 'genErr', 'noAccess', 'wrongType',
  'wrongLength', 'wrongEncoding', 'wrongValue', 'noCreation', 'inconsistentValue', 'resourceUnavailable',
  'commitFailed', 'undoFailed', 'authorizationError', 'notWritable', 'inconsistentName'];
const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
const VERSIONS: Record<number, string> = { 0: '1', 1: '2c', 3: '3' };

/** An OID's dotted text, or null when its encoding is broken (a sub-identifier past 2^53 too). */
function oid(b: Uint8Array, t: Tlv): string | null {
  if (t.end <= t.start || t.end - t.start > 128) return null;
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) return null;
    if (b[i] & 0x80) continue;
    if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
    else parts.push(v);
    v = 0;
  }
  if (b[t.end - 1] & 0x80) return null;
  return parts.join('.');
}

/** An OCTET STRING as text when it reads as text, else hex. */
function octets(b: Uint8Array, t: Tlv): string {
  const s = b.subarray(t.start, t.end);
  let printable = 0;
  for (const c of s) if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) printable++;
  if (s.length > 0 && printable < s.length) {
    const d = new TextDecoder('utf-8', { fatal: true });
    try { return cleanString(d.decode(s)); } catch { return hex(s, 0, 256); }
  }
  return cleanString(Buffer.from(s).toString('latin1'));
}

function unsigned(b: Uint8Array, t: Tlv): number | null {
  const n = t.end - t.start;
  if (n < 1 || n > 7) return null;
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + b[i];
  return v <= Number.MAX_SAFE_INTEGER ? v : null;
}

function value(b: Uint8Array, t: Tlv): string {
  switch (t.tag) {
    case 0x02: { const v = int(b, t); return v === null ? 'INTEGER ?' : String(v); }
    case 0x04: return octets(b, t);
    case 0x05: return 'NULL';
    case 0x06: return oid(b, t) ?? 'OID ?';
    case 0x40: return t.end - t.start === 4 ? `${b[t.start]}.${b[t.start + 1]}.${b[t.start + 2]}.${b[t.start + 3]}` : 'IpAddress ?';
    case 0x41: case 0x42: case 0x43: case 0x46: return String(unsigned(b, t) ?? '?');
    case 0x80: return 'noSuchObject';
    case 0x81: return 'noSuchInstance';
    case 0x82: return 'endOfMibView';
    default: return `[${t.tag.toString(16)}] ${hex(b, t.start, Math.min(t.end, t.start + 32))}`;
  }
}

/** A PDU's fields (request-id, error, varbinds). */
function pdu(b: Uint8Array, p: Tlv, f: Fields): void {
  f.snmp_pdu = PDUS[p.tag] ?? `0x${p.tag.toString(16)}`;
  if (p.tag === 0xa4) return;                 // v1 Trap-PDU: another layout
  const id = readTlv(b, p.start, p.end);
  if (!id || id.tag !== 0x02) return;
  const rid = int(b, id);
  if (rid !== null) f.snmp_request_id = rid;
  const es = readTlv(b, id.end, p.end);
  if (!es || es.tag !== 0x02) return;
  const status = int(b, es);
  if (status !== null) f.snmp_error_status = ERRORS[status] ?? String(status);
  const ei = readTlv(b, es.end, p.end);
  if (!ei || ei.tag !== 0x02) return;
  const index = int(b, ei);
  if (index !== null) f.snmp_error_index = index;
  const list = readTlv(b, ei.end, p.end);
  if (!list || list.tag !== 0x30) return;
  const out: string[] = [];
  for (let at = list.start; at < list.end && out.length < MAX_VARBINDS;) {
    const vb = readTlv(b, at, list.end);
    if (!vb || vb.tag !== 0x30) break;
    at = vb.end;
    const name = readTlv(b, vb.start, vb.end);
    if (!name || name.tag !== 0x06) break;
    const o = oid(b, name);
    const v = readTlv(b, name.end, vb.end);
    if (o === null || !v) break;
    const text = value(b, v);
    out.push(cleanString(`${o} = ${text}`));
    if (o === SYS_DESCR && v.tag === 0x04 && f.snmp_sys_descr === undefined) f.snmp_sys_descr = text;
  }
  if (out.length) f.snmp_varbinds = out;
}

/** SNMPv3: the header, the USM parameters (the engine), and the PDU when it is not encrypted. */
function v3(b: Uint8Array, msg: Tlv, after: number, f: Fields): void {
  const header = readTlv(b, after, msg.end);
  if (!header || header.tag !== 0x30) return;
  const mid = readTlv(b, header.start, header.end);
  if (mid && mid.tag === 0x02) { const v = int(b, mid); if (v !== null) f.snmp_msg_id = v; }
  const usm = readTlv(b, header.end, msg.end);
  if (!usm || usm.tag !== 0x04) return;
  const seq = readTlv(b, usm.start, usm.end);
  if (seq && seq.tag === 0x30) {
    const engine = readTlv(b, seq.start, seq.end);
    if (engine && engine.tag === 0x04) {
      if (engine.end > engine.start) f.snmp_engine_id = hex(b, engine.start, Math.min(engine.end, engine.start + 64));
      const boots = readTlv(b, engine.end, seq.end);
      if (boots && boots.tag === 0x02) {
        const v = int(b, boots); if (v !== null) f.snmp_engine_boots = v;
        const time = readTlv(b, boots.end, seq.end);
        if (time && time.tag === 0x02) { const t = int(b, time); if (t !== null) f.snmp_engine_time = t; }
      }
    }
  }
  const scoped = readTlv(b, usm.end, msg.end);
  if (!scoped || scoped.tag !== 0x30) return;
  const ctxEngine = readTlv(b, scoped.start, scoped.end);
  const ctxName = ctxEngine && readTlv(b, ctxEngine.end, scoped.end);
  const p = ctxName && readTlv(b, ctxName.end, scoped.end);
  if (p && p.tag >= 0xa0 && p.tag <= 0xa8) pdu(b, p, f);
}

function parseSnmp(b: Uint8Array): Fields {
  const f: Fields = {};
  const msg = readTlv(b, 0, b.length);
  if (!msg || msg.tag !== 0x30) return f;
  const ver = readTlv(b, msg.start, msg.end);
  if (!ver || ver.tag !== 0x02) return f;
  const v = int(b, ver);
  if (v === null) return f;
  f.snmp_version = VERSIONS[v] ?? String(v);
  if (v === 3) { v3(b, msg, ver.end, f); return f; }
  const community = readTlv(b, ver.end, msg.end);
  if (!community || community.tag !== 0x04) return f;
  f.snmp_community = octets(b, community);
  const p = readTlv(b, community.end, msg.end);
  if (p && p.tag >= 0xa0 && p.tag <= 0xa8) pdu(b, p, f);
  return f;
}

export const snmp: Parser = {
  name: 'snmp',
  ports: [161, 162],
  fields: ['snmp_version', 'snmp_community', 'snmp_msg_id', 'snmp_engine_id', 'snmp_engine_boots', 'snmp_engine_time',
    'snmp_pdu', 'snmp_request_id', 'snmp_error_status', 'snmp_error_index', 'snmp_varbinds', 'snmp_sys_descr'],
  detect(b, probe, port) {
    // SEQUENCE, then INTEGER version 0, 1 or 3.
    const msg = readTlv(b, 0, b.length);
    if (msg && msg.tag === 0x30 && b.length >= msg.start + 3 && b[msg.start] === 0x02 && b[msg.start + 1] === 1 && [0, 1, 3].includes(b[msg.start + 2])) return 2;
    return probe.startsWith('snmp') || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new BufferedSession(parseSnmp, 65536),
};
