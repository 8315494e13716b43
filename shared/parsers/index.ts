// The parser registry: every protocol module in one list, and identify() that picks the best one for a banner.
import { Fields, ParseContext, Parser, parseAll } from './types';
import { http } from './http';
import { ssh } from './ssh';
import { ftp } from './ftp';
import { smtp } from './smtp';
import { pop3 } from './pop3';
import { imap } from './imap';
import { tls } from './tls';
import { redis } from './redis';
import { memcached } from './memcached';
import { mysql } from './mysql';
import { postgres } from './postgres';
import { vnc } from './vnc';
import { telnet } from './telnet';
import { rdp } from './rdp';
import { mqtt } from './mqtt';
import { amqp } from './amqp';
import { smb } from './smb';
import { dns } from './dns';
import { ntp } from './ntp';
import { snmp } from './snmp';
import { ssdp } from './ssdp';
import { netbios } from './netbios';
import { memcachedUdp } from './memcached-udp';
import { PREVIEW_BYTES, unknownFields, unknown } from './unknown';
import { udpPayloadByName } from '../udp/registry';

export type { Fields, ParseContext, Parser, Session } from './types';

/** In order of preference when two parsers are equally sure. */
export const PARSERS: readonly Parser[] = [
  http, ssh, tls, imap, smtp, ftp, pop3, redis, memcached, mysql, postgres, vnc, telnet, rdp, mqtt, amqp, smb,
];
/** Parsers of UDP answers (banner records with proto udp), apart: a datagram is one whole message
 *  and never a TCP stream's, so neither list's detect() is asked about the other's bytes. */
export const UDP_PARSERS: readonly Parser[] = [dns, ntp, snmp, ssdp, netbios, memcachedUdp];
export const UNKNOWN = unknown;

/** A parser by the service name it writes (a TCP parser first: UDP memcached shares the name). */
export function parserByName(name: string): Parser | undefined {
  return name === 'unknown' ? unknown : PARSERS.find((p) => p.name === name) ?? UDP_PARSERS.find((p) => p.name === name);
}

export interface Identified { service: string; fields: Fields }

/**
 * Picks the parser most sure of the bytes (a signature beats a port or probe hint) and runs it.
 * A parser picked on a hint alone that finds nothing gives way to `unknown` with a preview.
 */
export function identify(b: Uint8Array, probe = 'null', port = 0, previewBytes = PREVIEW_BYTES, ctx?: ParseContext): Identified {
  return pick(PARSERS, b, probe, port, previewBytes, ctx);
}

/**
 * identify() for a UDP answer: UDP answers are binary, so the parsers asked are the ones the
 * probe's payload module names (shared/udp/registry.ts `services`) and the bytes must fit one's
 * structure; a probe without a module (--udp-payloads' user, another tool's) asks every UDP
 * parser, the port a hint as for TCP.
 */
export function identifyUdp(b: Uint8Array, probe: string | null, port = 0, previewBytes = PREVIEW_BYTES): Identified {
  const m = probe === null ? undefined : udpPayloadByName(probe);
  const list = m ? UDP_PARSERS.filter((p) => m.services.includes(p.name)) : UDP_PARSERS;
  return pick(list, b, probe ?? 'null', port, previewBytes);
}

function pick(list: readonly Parser[], b: Uint8Array, probe: string, port: number, previewBytes: number, ctx?: ParseContext): Identified {
  let best: Parser | null = null, score = 0;
  if (b.length > 0) {
    for (const p of list) {
      const s = p.detect(b, probe, port);
      if (s > score) { best = p; score = s; }
    }
  }
  if (best) {
    const fields = parseAll(best, b, ctx);
    if (score >= 2 || Object.keys(fields).length > 0) return { service: best.name, fields };
  }
  return { service: 'unknown', fields: unknownFields(b, previewBytes) };
}
