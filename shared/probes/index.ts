// The probe registry: which probe each slot carries, the default probe per port, and the plan
// blast follows (slot per port, payload per slot) and catch reads back (name per slot).
import { UsageError } from '../exit';
import { IDENTIFY_PROBES } from '../identify-join';
import { MAX_PROBE_LEN, probeCode, slotOfCode } from '../cookie';
import { Probe, ProbeConfig, ProbePayload, concat, ascii } from './types';
import { nullProbe } from './null';
import { PROBES } from './registry';
import { parsePortList, probeConfig } from './options';
import { isUdpProbeSpec } from '../udp/plan';
import { MAX_ADDRESS_LEN, USER_NAME, USER_SLOT, readProbeFile } from './user';

export type { Probe, ProbeConfig, ProbePayload } from './types';
export { PROBE_OPTIONS, probeConfig } from './options';
export { USER_NAME, USER_SLOT, parseProbeFile, readProbeFile } from './user';

export { PROBES } from './registry';

const bySlot = new Map<number, Probe>(PROBES.map((p) => [p.slot, p]));
const byName = new Map<string, Probe>(PROBES.map((p) => [p.name, p]));
const byPort = new Map<number, Probe>();
for (const p of PROBES) for (const port of p.ports) byPort.set(port, p);

export function probeByName(name: string): Probe | undefined { return byName.get(name); }

/** The probe a port gets when the user did not choose: the one that lists it, else null. */
export function defaultProbeForPort(port: number): Probe {
  return byPort.get(port) ?? nullProbe;
}

/** The probe name a source-port slot encodes ("user" for 15), or undefined for a free slot. */
export function probeNameOfSlot(slot: number): string | undefined {
  return slot === USER_SLOT ? USER_NAME : bySlot.get(slot)?.name;
}

/** The probe list blast's and scan's --help print, from the registry: name, slot, what it sends. */
export function probeHelp(): string {
  const rows: [string, number, string][] = PROBES.map((p) => [p.name, p.slot, p.description]);
  rows.push([USER_NAME, USER_SLOT, 'the payload of --probe-file']);
  return 'probes (--probe NAME; default ports and payloads in trawl-probes(7)):\n' +
    rows.map(([name, slot, what]) => `  ${name.padEnd(10)} slot ${String(slot).padEnd(3)}${what}\n`).join('');
}

/** The payload sent to one target: the template with its address inserted, dotted IPv4 or
 *  IPv6 in brackets (as a Host header and a URL take it; the native sender writes the same). */
export function renderPayload(p: ProbePayload, ip: string): Uint8Array {
  if (!p.after) return p.before;
  const addr = ascii(ip.includes(':') && !p.bare ? `[${ip}]` : ip);
  const out = concat([p.before, addr, p.after]);
  for (const o of p.fix ?? []) { const v = ((out[o] << 8) | out[o + 1]) + addr.length; out[o] = (v >> 8) & 0xff; out[o + 1] = v & 0xff; }
  return out;
}

/** The length of the payload rendered for ip (what renderPayload returns, without building it). */
export function payloadLength(p: ProbePayload, ip: { v6: boolean; text: string }): number {
  if (!p.after) return p.before.length;
  return p.before.length + p.after.length + ip.text.length + (ip.v6 && !p.bare ? 2 : 0);
}

/** Bytes a payload can take on the wire (the address at its longest). */
export function maxPayloadLength(p: ProbePayload): number {
  return p.before.length + (p.after ? p.after.length + MAX_ADDRESS_LEN : 0);
}

/** slot: the probe code (slot + 16 * variant for jarm's variants, shared/cookie.ts). */
export interface ProbeInUse { slot: number; name: string; payload: ProbePayload }

export interface ProbePlan {
  /** The slot of the port's first probe. */
  slotForPort(port: number): number;
  /** Every probe's slot on the port, the first one first (--probe PORTS:A,B: one connection each). */
  slotsForPort(port: number): number[];
  /** The template of a slot in use; throws for a slot the plan never assigns. */
  payload(slot: number): ProbePayload;
  nameOfSlot(slot: number): string | undefined;
  /** Every slot the plan may assign, with its template: blast calls setProbe for each. */
  probesInUse(): ProbeInUse[];
}

/** Which probes the user chose: for every port (forced), by port (mapped), and the probe file. */
interface ProbeChoice { forced?: string[]; mapped: Map<number, string[]>; file?: string }

/** Reads parsed PROBE_OPTIONS into the choice (see trawl-probes(7) for the rules). Throws
 *  UsageError for contradictions. */
function chooseProbes(opts: Record<string, any>): ProbeChoice {
  const specs: string[] = opts.probe ?? [];
  const file: string | undefined = opts['probe-file'] || undefined;

  // Probe names: every port's (forced), and by port (mapped); a list means one connection each.
  let forced: string[] | undefined;
  const mapped = new Map<number, string[]>();
  for (const s of specs) {
    if (isUdpProbeSpec(s)) continue;   // a UDP payload: shared/udp/plan.ts
    const c = s.lastIndexOf(':');
    if (c < 0) {
      if (forced !== undefined && forced.join(',') !== s) {
        throw new UsageError(`--probe ${forced.join(',')} and --probe ${s} both claim every port; map ports with --probe PORTS:NAME`);
      }
      forced = s.split(',');
      continue;
    }
    const ports = parsePortList(s.slice(0, c));
    if (typeof ports === 'string') throw new UsageError(`option --probe: ${ports}`);
    for (const p of ports) mapped.set(p, s.slice(c + 1).split(','));
  }
  if (opts.identify) {
    if (forced !== undefined) throw new UsageError(`--identify sends null, http and tls on every port: it takes no --probe ${forced.join(',')} (map ports with --probe PORTS:NAME)`);
    forced = [...IDENTIFY_PROBES];
  }
  const all = [...(forced ?? []), ...[...mapped.values()].flat()];
  const usesUser = all.includes(USER_NAME);
  if (usesUser && !file) throw new UsageError('--probe user needs --probe-file FILE');
  if (file && !usesUser) {
    if (forced !== undefined) throw new UsageError(`--probe-file is unused: --probe ${forced.join(',')} covers every port (add --probe PORTS:user)`);
    forced = [USER_NAME];   // a probe file alone means: send it everywhere
  }
  return { forced, mapped, file };
}

/** The names of the probes a TCP port gets under parsed PROBE_OPTIONS, the plan's choice
 *  without its payloads (no key needed): scan asks whether a port's probe converses. */
export function probeNamesOf(opts: Record<string, any>): (port: number) => string[] {
  const { forced, mapped } = chooseProbes(opts);
  return (port) => mapped.get(port) ?? forced ?? [defaultProbeForPort(port).name];
}

/** Builds the plan from parsed PROBE_OPTIONS and the scan key (see trawl-probes(7) for the rules).
 *  Throws UsageError for contradictions, unreadable or bad probe files and payloads over 1400 bytes. */
export function buildProbePlan(opts: Record<string, any>, key?: Uint8Array): ProbePlan {
  const cfg = probeConfig(opts, key);
  const { forced, mapped, file } = chooseProbes(opts);

  const templates = new Map<number, ProbePayload>();
  const names = new Map<number, string>();
  const add = (name: string) => {
    if (name === USER_NAME) {
      if (!templates.has(USER_SLOT)) { templates.set(USER_SLOT, readProbeFile(file!)); names.set(USER_SLOT, USER_NAME); }
      return;
    }
    const p = byName.get(name)!;
    if (templates.has(p.slot)) return;
    for (let v = 0; v < (p.variants ?? 1); v++) {
      templates.set(probeCode(p.slot, v), buildPayload(p, cfg, v)); names.set(probeCode(p.slot, v), p.name);
    }
  };
  if (forced !== undefined) forced.forEach(add);
  else for (const p of PROBES) if (p === nullProbe || p.ports.length) add(p.name);
  for (const n of mapped.values()) n.forEach(add);

  // A probe with variants takes one connection, one code, per variant.
  const slotOf = (name: string): number[] => {
    if (name === USER_NAME) return [USER_SLOT];
    const p = byName.get(name)!;
    return Array.from({ length: p.variants ?? 1 }, (_, v) => probeCode(p.slot, v));
  };
  const forcedSlots = forced?.flatMap(slotOf);
  const mappedSlots = new Map<number, number[]>([...mapped].map(([port, n]) => [port, n.flatMap(slotOf)]));
  const slotsForPort = (port: number) => mappedSlots.get(port) ?? forcedSlots ?? [defaultProbeForPort(port).slot];
  return {
    slotForPort: (port) => slotsForPort(port)[0],
    slotsForPort,
    payload: (slot) => {
      const t = templates.get(slot);
      if (!t) throw new Error(`probe slot ${slot} is not in use`);
      return t;
    },
    nameOfSlot: (slot) => names.get(slot) ?? probeNameOfSlot(slotOfCode(slot)),
    probesInUse: () => [...templates].sort((a, b) => a[0] - b[0]).map(([slot, payload]) => ({ slot, name: names.get(slot)!, payload })),
  };
}

/** A built-in probe's template under cfg, checked against the 1400-byte budget. */
export function buildPayload(p: Probe, cfg: ProbeConfig, variant = 0): ProbePayload {
  const t = p.payload(cfg, variant);
  if (t.after && !t.fix && Buffer.from(t.after).includes('{ip}')) {
    throw new UsageError(`the ${p.name} probe has more than one {ip} (one placeholder per probe)`);
  }
  const len = maxPayloadLength(t);
  if (len > MAX_PROBE_LEN) throw new UsageError(`the ${p.name} probe would be ${len} bytes, more than ${MAX_PROBE_LEN}`);
  return t;
}
