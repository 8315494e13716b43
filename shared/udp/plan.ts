// The UDP plan blast follows and catch reads back: which payload each UDP port gets (its slot,
// carried in the source port as TCP probes' are), the payload bytes of every slot, and the names
// catch writes as `probe`. Built from --probe U:PORTS:NAME, --udp-payloads FILE and
// --snmp-community (trawl-blast(1) UDP).
//
// A port's payload: --probe U:PORTS:NAME when given; else the built-in module listing the port
// (shared/udp/registry.ts); else the --udp-payloads file's for the port (slot 15); else an empty
// datagram (slot 14, probe "empty"): a closed port still answers it with ICMP port unreachable,
// an open one rarely answers at all, so the scan says closed or nothing, never a false open.
import { OptionSpec } from '../args';
import { UsageError } from '../exit';
import { parsePorts, portOfKey, protoOfKey, PROTO_UDP } from '../targets/ports';
import { UdpConfig, UdpPayload } from './types';
import { UDP_PAYLOADS, udpPayloadByName, udpPayloadForPort } from './registry';
import { readUdpPayloads, UDP_USER_NAME, UDP_USER_SLOT, UdpPayloadFile } from './nmap-payloads';

export const UDP_EMPTY_SLOT = 14;
export const UDP_EMPTY_NAME = 'empty';
export const DEFAULT_SNMP_COMMUNITY = 'public';
/** blast's target ring marks a UDP entry by these high bits on its slot (TCP probe codes stay
 *  below 160): the native sendUdp reads the low four. */
export const UDP_RING_MARK = 0xf0;

/** The probe name of a UDP slot (what catch writes as `probe`), or undefined for a free slot. */
export function udpNameOfSlot(slot: number): string | undefined {
  if (slot === UDP_USER_SLOT) return UDP_USER_NAME;
  if (slot === UDP_EMPTY_SLOT) return UDP_EMPTY_NAME;
  return UDP_PAYLOADS.find((m) => m.slot === slot)?.name;
}

/** The UDP payload list blast's and scan's --help print, from the registry: name, slot, ports, what it sends. */
export function udpHelp(): string {
  const rows: [string, number, string][] = UDP_PAYLOADS.map((m) => {
    const own = m.ports.filter((p) => udpPayloadForPort(p) === m);   // the ports it is the default of
    return [m.name, m.slot, `${own.length ? `(${own.join(',')}) ` : ''}${m.description}`];
  });
  rows.push([UDP_EMPTY_NAME, UDP_EMPTY_SLOT, 'an empty datagram (ports no payload has)'], [UDP_USER_NAME, UDP_USER_SLOT, 'the --udp-payloads file\'s payload of the port']);
  return 'UDP payloads (--probe U:PORTS:NAME; default by port, trawl-blast(1) UDP):\n' +
    rows.map(([name, slot, what]) => `  ${name.padEnd(11)} slot ${String(slot).padEnd(3)}${what}\n`).join('');
}

/** Every name --probe U:PORTS:NAME takes. */
export const UDP_PROBE_NAMES: readonly string[] = [...UDP_PAYLOADS.map((m) => m.name), UDP_EMPTY_NAME, UDP_USER_NAME];

/** Whether a --probe value is a UDP one (U:PORTS:NAME). */
export function isUdpProbeSpec(v: string): boolean { return /^[Uu]:/.test(v); }

/** Checks a --probe U:PORTS:NAME value: one name (one datagram per target port), UDP ports only. */
export function checkUdpProbeSpec(v: string): string | undefined {
  const c = v.lastIndexOf(':');
  const name = v.slice(c + 1), ports = v.slice(0, c);
  if (c < 2 || ports.length <= 2) return `'${v}': want U:PORTS:NAME (U:53:dns-version, U:161,1161:snmp-v2c)`;
  if (!UDP_PROBE_NAMES.includes(name)) return `unknown UDP payload '${name}' (one of ${UDP_PROBE_NAMES.join(', ')})`;
  const keys = parsePorts(ports);
  if (typeof keys === 'string') return keys;
  if (keys.some((k) => protoOfKey(k) !== PROTO_UDP)) return `'${v}': every port after U: is a UDP port (give TCP ports their own --probe)`;
  return undefined;
}

export const UDP_OPTIONS: OptionSpec[] = [
  { name: 'udp-payloads', type: 'string', arg: 'FILE',
    help: 'UDP payloads in nmap\'s nmap-payloads format (/usr/share/nmap/nmap-payloads) for the UDP ports no built-in payload has' },
  { name: 'snmp-community', type: 'string', arg: 'TEXT', default: DEFAULT_SNMP_COMMUNITY,
    check: (v: string) => (v.length >= 1 && v.length <= 255 && /^[\x20-\x7e]+$/.test(v) ? undefined : 'must be 1 to 255 printable ASCII characters'),
    help: 'community of the snmp-v1 and snmp-v2c GetRequests' },
];

/** One payload the sender holds: slot 15's are per port. */
export interface UdpSlotPayload { slot: number; payload: UdpPayload; port?: number }

export interface UdpPlan {
  /** The slot (0..15) of a UDP port's payload. */
  slotForPort(port: number): number;
  /** Every payload the sender needs (setUdpPayload for each). */
  payloads(): UdpSlotPayload[];
  /** The --udp-payloads file, when given. */
  file: UdpPayloadFile | null;
}

/** Builds the plan from parsed UDP_OPTIONS and --probe values (their U: ones); throws UsageError
 *  for an unreadable payload file or --probe U:PORTS:user naming a port the file has no payload for. */
export function buildUdpPlan(opts: Record<string, any>): UdpPlan {
  const cfg: UdpConfig = { snmpCommunity: opts['snmp-community'] ?? DEFAULT_SNMP_COMMUNITY };
  const file = opts['udp-payloads'] ? readUdpPayloads(opts['udp-payloads']) : null;
  const chosen = new Int8Array(65536).fill(-1);
  for (const v of (opts.probe ?? []) as string[]) {
    if (!isUdpProbeSpec(v)) continue;
    const c = v.lastIndexOf(':'), name = v.slice(c + 1);
    const keys = parsePorts(v.slice(0, c)) as number[];
    const slot = name === UDP_USER_NAME ? UDP_USER_SLOT : name === UDP_EMPTY_NAME ? UDP_EMPTY_SLOT : udpPayloadByName(name)!.slot;
    for (const k of keys) {
      const port = portOfKey(k);
      if (slot === UDP_USER_SLOT && !file?.byPort.has(port)) {
        throw new UsageError(`--probe ${v}: ${file ? `${file.file} has no payload for UDP port ${port}` : 'the user payload needs --udp-payloads FILE'}`);
      }
      chosen[port] = slot;
    }
  }
  const slotForPort = (port: number): number => {
    if (chosen[port] >= 0) return chosen[port];
    const m = udpPayloadForPort(port);
    if (m) return m.slot;
    return file?.byPort.has(port) ? UDP_USER_SLOT : UDP_EMPTY_SLOT;
  };
  const payloads = (): UdpSlotPayload[] => {
    const out: UdpSlotPayload[] = UDP_PAYLOADS.map((m) => ({ slot: m.slot, payload: m.payload(cfg) }));
    out.push({ slot: UDP_EMPTY_SLOT, payload: { bytes: new Uint8Array(0) } });
    if (file) for (const [port, bytes] of file.byPort) out.push({ slot: UDP_USER_SLOT, payload: { bytes }, port });
    return out;
  };
  return { slotForPort, payloads, file };
}
