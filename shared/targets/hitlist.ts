// trawl targets --hitlist FILE: a list of single addresses, each with an optional host name, as
// DNS gives them (zgrab2's CSV input: ip,name,tag), turned into target records in the file's
// order, one per address and port, the name on each TCP target (trawl.7 target). A name is what
// the target's probes carry as TLS SNI and HTTP Host (shared/blast/names.ts): one address that
// serves many sites is then asked for each named one, a line each. There is no permutation (a
// hitlist is usually spread over many networks already); --resume-index, --shard and --limit
// apply to the order of the file.
import { Interval, within } from './intervals';
import { parseAddr } from './ranges';
import { checkTargetName } from './name';
import { formatIPv4 } from '../ipv4';
import { formatIPv6 } from '../ipv6';
import { ICMP_ECHO_KEY, ARP_KEY, PROTO_UDP, portOfKey, protoOfKey } from './ports';

/** One line of a hitlist: an address, and the name, when it has one. */
export interface HitlistEntry { v6: boolean; v: bigint; ip: string; name?: string }

/**
 * Parses one line: "ADDR", "ADDR,NAME", "NAME,ADDR" or the same separated by blanks (a hosts
 * file's "ADDR NAME"); a third field (zgrab2's tag) is ignored. '#' starts a comment. Returns
 * null for a line without an entry, or why the line is bad.
 */
export function parseHitlistLine(line: string): HitlistEntry | null | string {
  const hash = line.indexOf('#');
  const text = (hash >= 0 ? line.slice(0, hash) : line).trim();
  if (text === '') return null;
  const fields = text.split(/\s*,\s*|\s+/);
  if (fields.length > 3) return `${fields.length} fields (ADDR[,NAME[,TAG]] or NAME,ADDR)`;
  const a0 = parseAddr(fields[0]);
  const a1 = fields.length > 1 ? parseAddr(fields[1]) : 'none';
  let addr: { v6: boolean; v: bigint }, name: string | undefined;
  if (typeof a0 !== 'string') { addr = a0; name = fields[1]; }
  else if (typeof a1 !== 'string') { addr = a1; name = fields[0]; }
  else return `no address in the first two fields ('${fields[0].slice(0, 64)}': ${a0})`;
  if (name === '') name = undefined;   // "ADDR,,TAG": zgrab2's line without a name
  if (name !== undefined) {
    const bad = checkTargetName(name);
    if (bad) return bad.replace(/^target "name"/, 'name');
  }
  const ip = addr.v6 ? formatIPv6(addr.v) : formatIPv4(Number(addr.v));
  return { ...addr, ip, ...(name !== undefined ? { name } : {}) };
}

/** The target records of one entry, one per port key, the name on the TCP ones (trawl.7's key
 *  order: type, ip, port, proto, i, name). i is the first one's index. */
export function hitlistRecords(e: HitlistEntry, keys: number[], i: number): string[] {
  return keys.map((k, n) => {
    const head = `{"type":"target","ip":"${e.ip}"`;
    const idx = `"i":${i + n}`;
    if (k === ICMP_ECHO_KEY) return `${head},"proto":"icmp",${idx}}`;
    if (k === ARP_KEY) return `${head},"proto":"arp",${idx}}`;
    if (protoOfKey(k) === PROTO_UDP) return `${head},"port":${portOfKey(k)},"proto":"udp",${idx}}`;
    return `${head},"port":${k},${idx}${e.name !== undefined ? `,"name":"${e.name}"` : ''}}`;
  });
}

/** True when the entry's address is in one of the exclude intervals of its family. */
export function excluded(e: HitlistEntry, ex4: Interval[], ex6: Interval[]): boolean {
  return within(e.v6 ? ex6 : ex4, e.v, e.v);
}
