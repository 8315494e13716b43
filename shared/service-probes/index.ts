// Applies nmap-service-probes rules to stored banners: trawl probe -> nmap probe chain, first hard match wins.
import { readFileSync } from 'fs';
import { Converted, pcreToJs } from './pcre';
import { ProbeDef, RuleDef, parseProbesFile } from './file';
import { fill } from './template';
import type { Fields } from '../parsers/types';

export { ProbeFileError } from './file';

/**
 * Which nmap probes' rules fit a banner elicited by each trawl probe (nmap sent similar bytes).
 * Each chain continues with those probes' `fallback` lines and ends with NULL, as nmap does.
 */
export const PROBE_MAP: Record<string, string[]> = {
  null: ['NULL'],
  http: ['GetRequest'],
  tls: ['SSLSessionReq', 'TLSSessionReq'],
  redis: ['redis-server'],
  memcached: ['Memcache'],
  rdp: ['TerminalServerCookie', 'TerminalServer'],
  postgres: ['GenericLines', 'SMBProgNeg'],
  smb: ['SMBProgNeg'],
  mqtt: ['mqtt'],
  amqp: ['GetRequest'],
  user: ['NULL'],
};

interface Rule { def: RuleDef; index: number; conv: Converted; re?: RegExp | null }

interface Probe {
  def: ProbeDef;
  ready: boolean;                 // rules converted (done on first use: most probes never are)
  rules: Rule[];
  byFirst: Map<number, Rule[]>;   // rules that can only match banners starting with this byte
  anyFirst: Rule[];               // the rest
  cache: Map<number, Rule[]>;     // candidates per first byte, in file order
  heads: Map<string, Rule[]>;     // candidates per banner head (first HEAD bytes), prefixes checked
}

/** rules: in the file (TCP); converted: in the probes used so far; skipped: of those, not runnable. */
export interface ProbesStats { rules: number; converted: number; skipped: number; reasons: Map<string, number> }

const HEAD = 8;
const MAX_HEADS = 1024;   // worst case about 1024 lists of a few thousand references: tens of MB

const FIELD: Record<string, string> = { p: 'nmap_product', v: 'nmap_version', i: 'nmap_info', h: 'nmap_hostname', o: 'nmap_os', d: 'nmap_device' };

export class ServiceProbes {
  private probes = new Map<string, Probe>();
  private chains = new Map<string, Probe[]>();
  readonly stats: ProbesStats = { rules: 0, converted: 0, skipped: 0, reasons: new Map() };

  constructor(text: string) {
    for (const def of parseProbesFile(text)) {
      if (def.protocol !== 'TCP') continue;
      this.stats.rules += def.rules.length;
      this.probes.set(def.name, { def, ready: false, rules: [], byFirst: new Map(), anyFirst: [], cache: new Map(), heads: new Map() });
    }
  }

  /** Converts a probe's patterns and indexes them by the banner byte they must start with. */
  private prepare(p: Probe): void {
    p.ready = true;
    for (const r of p.def.rules) {
      this.stats.converted++;
      const conv = pcreToJs(r.pattern, r.flags);
      if ('error' in conv) { this.skip(conv.error); continue; }
      const rule: Rule = { def: r, index: p.rules.length, conv };
      p.rules.push(rule);
      if (conv.firstBytes) for (const b of conv.firstBytes) { const l = p.byFirst.get(b) ?? []; l.push(rule); p.byFirst.set(b, l); }
      else p.anyFirst.push(rule);
    }
  }

  static fromFile(path: string): ServiceProbes { return new ServiceProbes(readFileSync(path, 'latin1')); }

  private skip(reason: string): void {
    this.stats.skipped++;
    const key = reason.replace(/\\./, '\\?').replace(/\[:.*:\]/, '[:...:]');
    this.stats.reasons.set(key, (this.stats.reasons.get(key) ?? 0) + 1);
  }

  /** The nmap probes tried for a trawl probe, in order, each once. */
  chain(trawlProbe: string): Probe[] {
    let c = this.chains.get(trawlProbe);
    if (c) return c;
    const names: string[] = [];
    const add = (n: string) => { if (!names.includes(n) && this.probes.has(n)) names.push(n); };
    for (const n of PROBE_MAP[trawlProbe] ?? []) add(n);
    for (const n of [...names]) for (const f of this.probes.get(n)!.def.fallback) add(f);
    add('NULL');
    c = names.map((n) => this.probes.get(n)!);
    for (const p of c) if (!p.ready) this.prepare(p);
    this.chains.set(trawlProbe, c);
    return c;
  }

  /**
   * Rules whose literal prefix agrees with the banner's first HEAD bytes. Banners of one service
   * share their heads ("HTTP/1.1", "SSH-2.0-"), so this is computed once per head and reused;
   * the map is bounded by clearing it when it grows past MAX_HEADS.
   */
  private forHead(p: Probe, s: string): Rule[] {
    const head = s.slice(0, HEAD);
    let c = p.heads.get(head);
    if (!c) {
      c = this.candidates(p, s.charCodeAt(0)).filter((r) => {
        const n = Math.min(r.conv.prefix.length, head.length);
        return r.conv.prefix.slice(0, n) === head.slice(0, n);
      });
      if (p.heads.size >= MAX_HEADS) p.heads.clear();
      p.heads.set(head, c);
    }
    return c;
  }

  private candidates(p: Probe, first: number): Rule[] {
    let c = p.cache.get(first);
    if (!c) {
      const own = p.byFirst.get(first) ?? [];
      c = [...own, ...p.anyFirst].sort((a, b) => a.index - b.index);
      p.cache.set(first, c);
    }
    return c;
  }

  /** Compiles on first use; a pattern JavaScript rejects is counted and never tried again. */
  private regex(r: Rule): RegExp | null {
    if (r.re === undefined) {
      try { r.re = new RegExp(r.conv.source, r.conv.flags); } catch { r.re = null; this.skip('rejected by JavaScript'); }
    }
    return r.re;
  }

  /** Fields for a banner: nmap_service etc. from the first hard match, or the first softmatch's service. */
  match(data: Uint8Array, trawlProbe: string): Fields | null {
    if (data.length === 0) return null;
    const s = Buffer.from(data.buffer, data.byteOffset, data.length).toString('latin1');
    let soft: Fields | null = null;
    for (const p of this.chain(trawlProbe)) {
      for (const r of this.forHead(p, s)) {
        if (soft && r.def.soft) continue;
        if (r.conv.prefix.length > HEAD && !s.startsWith(r.conv.prefix)) continue;
        const re = this.regex(r);
        if (!re) continue;
        const m = re.exec(s);
        if (!m) continue;
        if (r.def.soft) { soft = { nmap_service: r.def.service, nmap_softmatch: true, nmap_probe: p.def.name, nmap_line: r.def.line }; continue; }
        const f: Fields = { nmap_service: r.def.service };
        const cpes: string[] = [];
        for (const t of r.def.templates) {
          const v = fill(t.value, m);
          if (!v) continue;
          if (t.key === 'cpe') cpes.push('cpe:/' + v);
          else if (FIELD[t.key]) f[FIELD[t.key]] = v;
        }
        if (cpes.length) f.nmap_cpe = cpes.join(' ');
        f.nmap_probe = p.def.name;
        f.nmap_line = r.def.line;
        return f;
      }
    }
    return soft;
  }
}
