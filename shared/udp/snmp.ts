// SNMP v1 and v2c (RFC 1157, 3416) GetRequest for sysDescr.0 with the community of --snmp-community;
// the request-id carries the cookie.
//
//   30 L  SEQUENCE
//     02 01 VV          version: 00 (v1) or 01 (v2c)
//     04 L  community   (long-form length past 127 bytes)
//     A0 L  GetRequest-PDU
//       02 04 ID[4]     request-id: the cookie's 32 bits
//       02 01 00        error-status
//       02 01 00        error-index
//       30 0E 30 0C     varbind list, one varbind
//         06 08 2B 06 01 02 01 01 01 00   1.3.6.1.2.1.1.1.0 (sysDescr.0)
//         05 00                           NULL
// The request-id is a signed INTEGER: agents (net-snmp) decode it and encode it back minimally
// (0x00000012 returns as 02 01 12, 0xffffff80 as 02 01 80), so echoed() decodes the answer's BER
// and takes the value's low 32 bits, two's complement, which is the cookie whatever the encoding.
// Four content bytes whose first nine bits are all 0 or all 1 (1 cookie in 256) are a
// non-minimal encoding; net-snmp reads them by their length all the same.
import { UdpConfig, UdpModule, UdpPayload } from './types';
import { low32, readTlv, tlv } from './ber';

export const SYS_DESCR_OID = [0x2b, 6, 1, 2, 1, 1, 1, 0];

function getRequest(version: 0 | 1, cfg: UdpConfig): UdpPayload {
  const community = Buffer.from(cfg.snmpCommunity, 'latin1');
  const varbinds = tlv(0x30, tlv(0x30, tlv(0x06, SYS_DESCR_OID), [0x05, 0]));
  const pdu = tlv(0xa0, [0x02, 4, 0, 0, 0, 0], [0x02, 1, 0], [0x02, 1, 0], varbinds);
  const bytes = tlv(0x30, [0x02, 1, version], tlv(0x04, community), pdu);
  // The request-id's content is the PDU's first 4 bytes from the end minus the fixed tail.
  const tail = 3 + 3 + varbinds.length;
  return { bytes, id: { offset: bytes.length - tail - 4, len: 4 } };
}

/** The request-id of an SNMP v1/v2c message (its low 32 bits), or null when it is not one. */
export function snmpRequestId(answer: Uint8Array): number | null {
  const msg = readTlv(answer, 0, answer.length);
  if (!msg || msg.tag !== 0x30) return null;
  const version = readTlv(answer, msg.start, msg.end);
  if (!version || version.tag !== 0x02) return null;
  const community = readTlv(answer, version.end, msg.end);
  if (!community || community.tag !== 0x04) return null;
  const pdu = readTlv(answer, community.end, msg.end);
  if (!pdu || pdu.tag < 0xa0 || pdu.tag > 0xa8) return null;
  const id = readTlv(answer, pdu.start, pdu.end);
  if (!id || id.tag !== 0x02) return null;
  return low32(answer, id);
}

export const snmpV1Udp: UdpModule = {
  name: 'snmp-v1',
  slot: 3,
  description: 'SNMPv1 GetRequest for sysDescr.0 with --snmp-community (the system description)',
  ports: [161],
  services: ['snmp'],
  payload: (cfg) => getRequest(0, cfg),
  echoed: snmpRequestId,
};

export const snmpV2cUdp: UdpModule = {
  name: 'snmp-v2c',
  slot: 4,
  description: 'SNMPv2c GetRequest for sysDescr.0 with --snmp-community (the system description)',
  ports: [161],
  services: ['snmp'],
  payload: (cfg) => getRequest(1, cfg),
  echoed: snmpRequestId,
};

// SNMPv3 (RFC 3412, 3414 4) engine discovery: a reportable, unauthenticated GetRequest with an
// empty engine ID; the agent answers with a Report carrying its authoritative engine ID, boots
// and time (and usmStatsUnknownEngineIDs). msgID must stay in 0..2^31-1, so it is a 3-byte
// INTEGER 01 XX XX whose low 16 bits are the cookie's (always positive and minimal: echoed alike).
//
//   30 3B  SEQUENCE
//     02 01 03                    msgVersion 3
//     30 10  HeaderData
//       02 03 01 ID[2]            msgID: 0x01xxxx
//       02 03 00 FF E3            msgMaxSize 65507
//       04 01 04                  msgFlags: reportable, no auth, no priv
//       02 01 03                  msgSecurityModel: USM
//     04 10 30 0E                 msgSecurityParameters: UsmSecurityParameters
//       04 00  02 01 00  02 01 00 engine ID "", boots 0, time 0
//       04 00  04 00  04 00       user name, auth and priv parameters ""
//     30 12  ScopedPDU
//       04 00  04 00              contextEngineID "", contextName ""
//       A0 0C  02 02 4A 69  02 01 00  02 01 00  30 00   GetRequest, request-id 0x4a69, no varbinds
const V3_DISCOVERY = tlv(0x30,
  [0x02, 1, 3],
  tlv(0x30, [0x02, 3, 1, 0, 0], [0x02, 3, 0, 0xff, 0xe3], [0x04, 1, 4], [0x02, 1, 3]),
  tlv(0x04, tlv(0x30, [0x04, 0], [0x02, 1, 0], [0x02, 1, 0], [0x04, 0], [0x04, 0], [0x04, 0])),
  tlv(0x30, [0x04, 0], [0x04, 0], tlv(0xa0, [0x02, 2, 0x4a, 0x69], [0x02, 1, 0], [0x02, 1, 0], [0x30, 0])));

/** The msgID of an SNMPv3 message (its low 32 bits), or null when it is not one. */
export function snmpV3MsgId(answer: Uint8Array): number | null {
  const msg = readTlv(answer, 0, answer.length);
  if (!msg || msg.tag !== 0x30) return null;
  const version = readTlv(answer, msg.start, msg.end);
  if (!version || version.tag !== 0x02 || version.end - version.start !== 1 || answer[version.start] !== 3) return null;
  const header = readTlv(answer, version.end, msg.end);
  if (!header || header.tag !== 0x30) return null;
  const id = readTlv(answer, header.start, header.end);
  if (!id || id.tag !== 0x02) return null;
  const v = low32(answer, id);
  return v === null ? null : v & 0xffff;
}

export const snmpV3Udp: UdpModule = {
  name: 'snmp-v3',
  slot: 9,
  description: 'SNMPv3 engine discovery (a Report with the agent\'s engine ID, boots and time)',
  ports: [161],
  services: ['snmp'],
  payload: () => ({ bytes: V3_DISCOVERY, id: { offset: 10, len: 2 } }),
  echoed: snmpV3MsgId,
};
