// Applies nmap-service-probes rules to stored banners: trawl probe (or, when unknown, the port) ->
// nmap probe chain, first hard match wins.
//
// Matching time per banner is bounded whatever the rule and the bytes: rules run on RE2 (linear
// time) when it can give them PCRE's meaning, the others (lookarounds, backreferences...) on a
// backtracker with a step budget per rule and per banner, like the match limit nmap gives PCRE.
// A rule given up on counts as no match, is counted, and is reported once through onGiveUp.
// Per probe, one pass of RE2.Set over the banner finds the rules that can match (their RE2 form,
// or for backtracked rules an RE2 form without the constructs RE2 lacks, which matches at least
// whatever the rule matches); only those run to get their groups. Before that, an index leaves
// out the rules that cannot match (prefilter.ts): nearly every anchored rule starts with one known
// byte (8,638 of 8,825 in NULL and GetRequest), so a banner is matched against the set of the
// rules of its first byte (compiled the first time a banner starts with it) and the few rules
// that may start with anything; an unanchored rule is tried only when the banner holds its
// literal. An HTTP response still meets most of GetRequest's rules (4,425 start with H), a
// greeting or a binary answer a few hundred or fewer.
import { readFileSync } from 'fs';
import RE2 from 're2';
import { Pattern, anchored, literalPrefix, parsePcre } from './pcre';
import { toRe2Source } from './re2';
import { Backtracker, GiveUp, compileBacktracker } from './backtrack';
import { ProbeDef, RuleDef, parseProbesFile } from './file';
import { fill } from './template';
import { firstBytes, requiredLiteral, textFirstBytes } from './prefilter';
import type { Fields } from '../parsers/types';

export { ProbeFileError } from './file';

/**
 * Which nmap probes' rules fit a banner elicited by each trawl probe (nmap sent similar bytes).
 * Each chain continues with those probes' `fallback` lines and ends with NULL, as nmap does.
 * A probe name not listed (records come from anywhere) gets the NULL probe's rules.
 */
export const PROBE_MAP: ReadonlyMap<string, string[]> = new Map([
  ['null', ['NULL']],
  ['http', ['GetRequest']],
  ['tls', ['SSLSessionReq', 'TLSSessionReq']],
  ['redis', ['redis-server']],
  ['memcached', ['Memcache']],
  ['rdp', ['TerminalServerCookie', 'TerminalServer']],
  ['postgres', ['GenericLines', 'SMBProgNeg']],
  ['smb', ['SMBProgNeg']],
  ['mqtt', ['mqtt']],
  ['amqp', ['GetRequest']],
  ['https', ['SSLSessionReq', 'TLSSessionReq']],
  ['starttls', ['NULL']],   // banners matches the greeting's text part (nmapChoice)
  ['ssh', ['NULL']],        // the server's identification line comes first, as to NULL
  ['user', ['NULL']],
]);

/**
 * The same for UDP answers (banner records with proto udp), by trawl's UDP payload module
 * (shared/udp/registry.ts): the nmap UDP probes that ask the same. A UDP answer to a payload
 * without a module (--udp-payloads) gets the UDP probes nmap sends to its port. nmap has no NULL
 * probe for UDP, so UDP chains end with their fallbacks.
 */
export const UDP_PROBE_MAP: ReadonlyMap<string, string[]> = new Map([
  ['dns-version', ['DNSVersionBindReq']],
  ['dns', ['DNSStatusRequest', 'DNSVersionBindReq']],
  ['ntp', ['NTPRequest']],
  ['snmp-v1', ['SNMPv1public']],
  ['snmp-v2c', ['SNMPv1public']],
  ['snmp-v3', ['SNMPv3GetRequest']],
  ['ssdp', []],
  ['netbios', ['NBTStat']],
  ['memcached', ['memcached']],
  ['mdns', ['DNS-SD']],
]);

/** Steps the backtracker may take for one rule on one banner, and for all rules on one banner. */
export const RULE_STEPS = 50_000;
export const BANNER_STEPS = 200_000;
/** Patterns per RE2.Set: more makes each DFA state (a set of positions in all patterns) costlier. */
const SET_SIZE = 512;
const PREPARE_SLICE = 128;
/** An anchored rule that may start with more bytes than this is tried on every banner. */
const FIRST_MAX = 16;
/** An unanchored rule's literal is checked (String.includes) when it is at least this long. */
const LITERAL_MIN = 2;

interface Rule {
  def: RuleDef;
  index: number;             // in its probe, for file order
  probe: string;
  pat: Pattern;
  exact: string | null;      // RE2 source with PCRE's meaning, if RE2 can run the rule
  relaxed: string;           // RE2 source matching at least whatever the rule matches (a filter)
  prefix: string;            // literal bytes every match starts with (anchored rules)
  literal: string;           // unanchored rules: bytes every match contains ('' none known)
  re2?: RE2 | null;          // compiled on first use (null: RE2 refused it, so it is backtracked)
  filter?: RE2 | null;
  bt?: Backtracker;
}

type RE2Set = ReturnType<typeof RE2.Set>;

/**
 * Rules of a probe and the RE2 set of their relaxed forms (null: RE2 refused it). Rules anchored
 * at the start are in sets matched with anchor 'start', whose automaton stops as soon as no rule
 * can match any more; the others need a scan of the whole banner, so they are kept apart.
 */
interface Chunk { set: RE2Set | null; rules: Rule[] }

/**
 * A probe's rules, indexed. Anchored rules that start with one of a few known bytes are listed
 * under each (byFirst), their sets compiled on the first banner starting with that byte (at most
 * 256 per probe, each of rules listed at most FIRST_MAX times); anchored rules that may start with
 * anything are in `wide`; unanchored ones with a literal are checked one by one (includes, then
 * their own RE2), those without are in `loose`.
 */
interface Index {
  probe: Probe;
  rules: Rule[];             // the rules parsed so far
  byFirst: (Rule[] | undefined)[];
  /** Anchored rules whose text shows their first bytes (textFirstBytes): parsed on the first banner
   *  starting with one of them (with their position in the probe), then listed in byFirst. */
  pending: ([RuleDef, number][] | undefined)[];
  parsed: Map<RuleDef, Rule | null>;
  firstChunks: (Chunk[] | undefined)[];
  wide: Chunk[];
  literal: Rule[];
  loose: Chunk[];
}

interface Probe { def: ProbeDef; ix: Index | null }

/** rules: in the file (TCP); converted: in the probes used so far; skipped: of those, not runnable. */
export interface ProbesStats {
  rules: number; converted: number; skipped: number; reasons: Map<string, number>;
  re2: number; backtracked: number; gaveUp: number; setFailures: number;
}

export interface GaveUp { line: number; service: string; probe: string }

const DEFAULT_RARITY = 7;  // nmap's default --version-intensity
const MAX_CHAINS = 4096;   // chains cached (one per trawl probe, and per port for unknown probes)

/** Bytes a probe string and the bytes sent must share to choose it, unless they share the whole string. */
export const SENT_MIN_SHARED = 8;

/** Whether a probe's rules for banners starting with byte c are compiled (or there are none). */
function firstReady(ix: Index, c: number): boolean {
  return ix.firstChunks[c] !== undefined || (ix.pending[c] === undefined && !ix.byFirst[c]?.length);
}

/** The chain a banner gets: its trawl probe's (unknown names: NULL's); when null, the nmap probe
 *  the bytes sent chose (sentProbe()), else its port's. */
function chainKey(trawlProbe: string | null, port: number, sent: string | null, proto: Proto = 'tcp'): string {
  if (proto === 'udp') return trawlProbe !== null && UDP_PROBE_MAP.has(trawlProbe) ? `udp:${trawlProbe}` : `udp-port:${port}`;
  if (trawlProbe === null) return sent === null ? `port:${port}` : `sent:${sent}`;
  return PROBE_MAP.has(trawlProbe) ? trawlProbe : 'null';
}

const FIELD: ReadonlyMap<string, string> = new Map([
  ['p', 'nmap_product'], ['v', 'nmap_version'], ['i', 'nmap_info'], ['h', 'nmap_hostname'], ['o', 'nmap_os'], ['d', 'nmap_device'],
]);

function compileRe2(source: string): RE2 | null {
  try { return new RE2(source); } catch { return null; }
}

/** The transport a banner came over: its nmap probes are that protocol's. */
export type Proto = 'tcp' | 'udp';

export class ServiceProbes {
  private probes = new Map<string, Probe>();
  private udp = new Map<string, Probe>();
  private chains = new Map<string, Probe[]>();
  private reported = new Set<Rule>();
  readonly stats: ProbesStats = { rules: 0, converted: 0, skipped: 0, reasons: new Map(), re2: 0, backtracked: 0, gaveUp: 0, setFailures: 0 };
  /** Called the first time each rule is given up on (past its step budget). */
  onGiveUp: ((r: GaveUp) => void) | null = null;
  private steps = 0;         // backtracking steps left for the banner being matched
  private byLine: Map<number, Rule> | null = null;

  constructor(text: string) {
    for (const def of parseProbesFile(text)) {
      if (def.protocol === 'UDP') { this.udp.set(def.name, { def, ix: null }); continue; }
      if (def.protocol !== 'TCP') continue;
      this.stats.rules += def.rules.length;
      this.probes.set(def.name, { def, ix: null });
    }
  }

  static fromFile(path: string): ServiceProbes { return new ServiceProbes(readFileSync(path, 'latin1')); }

  /** How many rules were given up on at least once. */
  get gaveUpRules(): number { return this.reported.size; }

  /** Compiles every probe trawl's probes lead to (chain() does it for one on first use). */
  prepareAll(): void { for (const name of PROBE_MAP.keys()) for (const p of this.chain(name)) this.parseAllPending(p.ix!); }

  private skip(reason: string): void {
    this.stats.skipped++;
    const key = reason.replace(/\\./, '\\?').replace(/\[:.*:\]/, '[:...:]');
    this.stats.reasons.set(key, (this.stats.reasons.get(key) ?? 0) + 1);
  }

  /** Parses a probe's rules and groups them into RE2 sets. */
  private prepare(p: Probe): Index {
    const steps = this.preparing(p);
    for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
  }

  /** prepare() in slices: yields after every PREPARE_SLICE rules parsed and every set compiled.
   *  Anchored rules whose text shows their first bytes wait unparsed (firstChunks parses them). */
  private *preparing(p: Probe): Generator<void, Index> {
    const ix: Index = { probe: p, rules: [], byFirst: [], pending: [], parsed: new Map(), firstChunks: [], wide: [], literal: [], loose: [] };
    const wide: Rule[] = [], loose: Rule[] = [];
    const defs = p.def.rules;
    for (let index = 0; index < defs.length; index++) {
      const def = defs[index];
      const first = textFirstBytes(def.pattern, def.flags);
      if (first !== null) { for (const c of first) (ix.pending[c] ??= []).push([def, index]); continue; }
      if (this.stats.converted % PREPARE_SLICE === 0) yield;
      const r = this.rule(ix, def, index);
      if (!r) continue;
      if (anchored(r.pat.root)) {
        const bytes = firstBytes(r.pat.root, FIRST_MAX);
        if (bytes === null) wide.push(r);
        else for (const c of bytes) (ix.byFirst[c] ??= []).push(r);
      } else {
        r.literal = requiredLiteral(r.pat.root, LITERAL_MIN);
        if (r.literal) ix.literal.push(r); else loose.push(r);
      }
    }
    for (let at = 0; at < wide.length; at += SET_SIZE) { this.addChunks(wide.slice(at, at + SET_SIZE), true, ix.wide); yield; }
    for (let at = 0; at < loose.length; at += SET_SIZE) { this.addChunks(loose.slice(at, at + SET_SIZE), false, ix.loose); yield; }
    return ix;
  }

  /** One rule parsed and converted (once: a rule filed under two first bytes is met twice), or null: skipped. */
  private rule(ix: Index, def: RuleDef, index: number): Rule | null {
    const known = ix.parsed.get(def);
    if (known !== undefined) return known;
    let rule: Rule | null = null;
    this.stats.converted++;
    const pat = parsePcre(def.pattern, def.flags);
    if ('error' in pat) this.skip(pat.error);
    else {
      const exact = toRe2Source(pat, false);
      rule = { def, index, probe: ix.probe.def.name, pat, exact, relaxed: exact ?? toRe2Source(pat, true)!, prefix: literalPrefix(pat.root), literal: '' };
      if (exact === null) {
        try { rule.bt = compileBacktracker(pat); this.stats.backtracked++; } catch (e) { this.skip((e as Error).message); rule = null; }
      } else this.stats.re2++;
    }
    ix.parsed.set(def, rule);
    if (rule) ix.rules.push(rule);
    return rule;
  }

  /** The rules filed under byte c, parsed now, in byFirst[c] (in file order). */
  private parsePending(ix: Index, c: number): void {
    const pend = ix.pending[c];
    if (!pend) return;
    ix.pending[c] = undefined;
    const list = ix.byFirst[c] ??= [];
    for (const [def, index] of pend) { const r = this.rule(ix, def, index); if (r) list.push(r); }
    list.sort((a, b) => a.index - b.index);
  }

  /** Every rule of the probe parsed (execRule, prepareAll: tests and counts over the whole file). */
  private parseAllPending(ix: Index): void {
    for (let c = 0; c < 256; c++) if (ix.pending[c] && !ix.firstChunks[c]) this.parsePending(ix, c);
  }

  /** The chunks of a probe's anchored rules that start with byte c, compiled on first use. */
  private firstChunks(ix: Index, c: number): Chunk[] {
    const steps = this.firstChunking(ix, c);
    while (!steps.next().done) { /* all slices at once */ }
    return ix.firstChunks[c]!;
  }

  /** firstChunks(ix, c) in slices: yields after every PREPARE_SLICE rules parsed and every set
   *  compiled. Until it ends the probe's tables stay as they were, so a synchronous firstChunks()
   *  meanwhile (another path to match()) compiles them whole, and this one then stops. */
  private *firstChunking(ix: Index, c: number): Generator<void, void> {
    if (ix.firstChunks[c]) return;
    const parsed: Rule[] = [], pend = ix.pending[c] ?? [];
    for (let k = 0; k < pend.length; k++) {
      if (k % PREPARE_SLICE === PREPARE_SLICE - 1) { yield; if (ix.firstChunks[c]) return; }
      const r = this.rule(ix, pend[k][0], pend[k][1]);
      if (r) parsed.push(r);
    }
    // byFirst[c] as it is now: parsePending (parseAllPending) may have filed the same rules there
    // meanwhile; each rule is listed once.
    const listed = ix.byFirst[c] ?? [], seen = new Set(listed);
    const rules = listed.concat(parsed.filter((r) => !seen.has(r))).sort((a, b) => a.index - b.index);
    const chunks: Chunk[] = [];
    for (let at = 0; at < rules.length; at += SET_SIZE) {
      this.addChunks(rules.slice(at, at + SET_SIZE), true, chunks);
      yield;
      if (ix.firstChunks[c]) return;
    }
    ix.pending[c] = undefined;
    ix.byFirst[c] = rules;
    ix.firstChunks[c] = chunks;
  }

  /** One set for the rules, or (when RE2 refuses the set, too big or one bad pattern) halves of them. */
  private addChunks(rules: Rule[], anchoredSet: boolean, out: Chunk[]): void {
    try {
      out.push({ set: new RE2.Set(rules.map((r) => r.relaxed), { anchor: anchoredSet ? 'start' : 'unanchored' }), rules });
      return;
    } catch { /* split */ }
    if (rules.length === 1) { out.push({ set: null, rules }); return; }
    const half = rules.length >> 1;
    this.addChunks(rules.slice(0, half), anchoredSet, out);
    this.addChunks(rules.slice(half), anchoredSet, out);
  }

  /**
   * The nmap probes tried for a trawl probe, in order, each once. A banner whose probe is not
   * known (null: replayed from another tool's capture) gets the nmap probe its scanner's bytes
   * were (sent, from sentProbe()) with its fallbacks, or, when they were none or not captured,
   * NULL and then the probes nmap itself sends to its port (the `ports` lines, up to nmap's
   * default rarity 7, in file order).
   */
  chain(trawlProbe: string | null, port = 0, sent: string | null = null, proto: Proto = 'tcp'): Probe[] {
    const key = chainKey(trawlProbe, port, sent, proto);
    let c = this.chains.get(key);
    if (c) return c;
    c = this.chainProbes(key);
    for (const p of c) if (!p.ix) p.ix = this.prepare(p);
    if (this.chains.size >= MAX_CHAINS) this.chains.clear();
    this.chains.set(key, c);
    return c;
  }

  private chainProbes(key: string): Probe[] {
    if (key.startsWith('udp')) return this.udpChain(key);
    const names: string[] = [];
    const add = (n: string) => { if (!names.includes(n) && this.probes.has(n)) names.push(n); };
    if (key.startsWith('sent:')) add(key.slice(5));
    else if (key.startsWith('port:')) {
      const port = Number(key.slice(5));
      add('NULL');
      for (const p of this.probes.values()) if (p.def.rarity <= DEFAULT_RARITY && p.def.ports.includes(port)) add(p.def.name);
    } else for (const n of PROBE_MAP.get(key)!) add(n);
    for (const n of [...names]) for (const f of this.probes.get(n)!.def.fallback) add(f);
    add('NULL');
    return names.map((n) => this.probes.get(n)!);
  }

  /** A UDP chain: the module's nmap probes (or those nmap sends to the port), their fallbacks. */
  private udpChain(key: string): Probe[] {
    const names: string[] = [];
    const add = (n: string) => { if (!names.includes(n) && this.udp.has(n)) names.push(n); };
    if (key.startsWith('udp-port:')) {
      const port = Number(key.slice(9));
      for (const p of this.udp.values()) if (p.def.rarity <= DEFAULT_RARITY && p.def.ports.includes(port)) add(p.def.name);
    } else for (const n of UDP_PROBE_MAP.get(key.slice(4))!) add(n);
    for (const n of [...names]) for (const f of this.udp.get(n)!.def.fallback) add(f);
    return names.map((n) => this.udp.get(n)!);
  }

  /** Whether a banner of this trawl probe whose bytes start with `first` (-1: not known) can be
   *  matched without compiling first: its chain is, and so are its rules for that first byte. */
  ready(trawlProbe: string | null, port = 0, sent: string | null = null, proto: Proto = 'tcp', first = -1): boolean {
    const c = this.chains.get(chainKey(trawlProbe, port, sent, proto));
    return c !== undefined && (first < 0 || c.every((p) => firstReady(p.ix!, first)));
  }

  /**
   * The nmap probe the scanner's first bytes (another tool's capture: trawl.7 `sent_data`) were:
   * the TCP probe whose string shares the longest prefix with them, when that prefix is its
   * whole string or at least SENT_MIN_SHARED bytes (masscan's `GET / HTTP/1.0\r\nUser-Agent...`
   * is GetRequest's `GET / HTTP/1.0\r\n\r\n` up to its last line); the first in the file on a
   * tie; null when none does (a ClientHello other than nmap's, say).
   */
  sentProbe(sent: Uint8Array): string | null {   // TCP probes only: `sent` records are TCP's
    let best: string | null = null, bestLen = 0;
    for (const p of this.probes.values()) {
      const q = p.def.data;
      if (q.length === 0 || q[0] !== sent[0]) continue;
      const n = Math.min(q.length, sent.length);
      let k = 0;
      while (k < n && q[k] === sent[k]) k++;
      if (k > bestLen && (k === q.length || k >= SENT_MIN_SHARED)) { best = p.def.name; bestLen = k; }
    }
    return best;
  }

  /**
   * Compiles a trawl probe's chain a slice at a time, letting the event loop run between slices
   * (a second or more of compiling must not hold off SIGINT); returns early once stop() is true.
   */
  async prepareChain(trawlProbe: string | null, port: number, stop: () => boolean, sent: string | null = null, proto: Proto = 'tcp', first = -1): Promise<void> {
    const key = chainKey(trawlProbe, port, sent, proto);
    const probes = this.chainProbes(key);
    for (const p of probes) {
      if (p.ix) continue;
      const steps = this.preparing(p);
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) { p.ix = r.value; break; }
        await new Promise((resolve) => setImmediate(resolve));
        if (stop()) return;
        if (p.ix) break;           // compiled meanwhile by a synchronous chain()
      }
    }
    this.chain(trawlProbe, port, sent, proto);
    // The rules for the banner's first byte, compiled lazily otherwise (firstChunks): in slices
    // too, as they are most of a probe's (GetRequest: 4,425 start with H).
    if (first < 0) return;
    for (const p of probes) {
      const steps = this.firstChunking(p.ix!, first);
      while (!steps.next().done) {
        await new Promise((resolve) => setImmediate(resolve));
        if (stop()) return;
      }
    }
  }

  /** The probe's rules that can match, in file order: those of the banner's first byte and those
   *  that may start with any, one RE2.Set pass per chunk; unanchored ones holding their literal. */
  private candidates(p: Probe, buf: Buffer, s: string): Rule[] {
    const ix = p.ix!;
    const hits: Rule[] = [];
    this.chunkHits(this.firstChunks(ix, s.charCodeAt(0)), buf, s, hits);
    this.chunkHits(ix.wide, buf, s, hits);
    for (const r of ix.literal) if (s.includes(r.literal) && this.filter(r, buf)) hits.push(r);
    this.chunkHits(ix.loose, buf, s, hits);
    return hits.length > 1 ? hits.sort((a, b) => a.index - b.index) : hits;
  }

  private chunkHits(chunks: Chunk[], buf: Buffer, s: string, hits: Rule[]): void {
    for (const ch of chunks) {
      if (ch.set) {
        try { for (const k of ch.set.match(buf)) hits.push(ch.rules[k]); continue; } catch { this.stats.setFailures++; }
      }
      // No set, or it ran out of DFA memory on this banner: each rule's own RE2 (linear time too).
      for (const r of ch.rules) if (s.startsWith(r.prefix) && this.filter(r, buf)) hits.push(r);
    }
  }

  /** Whether a rule's relaxed RE2 form matches (RE2 refused it: it may). */
  private filter(r: Rule, buf: Buffer): boolean {
    if (r.filter === undefined) r.filter = compileRe2(r.relaxed);
    return !r.filter || r.filter.test(buf);
  }

  /** The groups of a rule's match (strings of bytes), or null: no match or given up on. */
  private groups(r: Rule, data: Uint8Array, buf: Buffer, s: string): (string | undefined)[] | null {
    if (r.re2 === undefined) r.re2 = r.exact === null ? null : compileRe2(r.exact);
    if (r.re2) {
      const m = r.re2.exec(buf) as (Buffer | undefined)[] | null;
      return m ? Array.from(m, (g) => g?.toString('utf8')) : null;
    }
    r.bt ??= compileBacktracker(r.pat);
    try {
      const m = r.bt.exec(data, Math.min(RULE_STEPS, this.steps));
      this.steps -= r.bt.steps();
      if (!m) return null;
      const out: (string | undefined)[] = [];
      for (let g = 0; g < m.length; g += 2) out.push(m[g] < 0 ? undefined : s.slice(m[g], m[g + 1]));
      return out;
    } catch (e) {
      if (!(e instanceof GiveUp)) throw e;
      this.steps -= Math.min(RULE_STEPS, this.steps);
      this.stats.gaveUp++;
      if (!this.reported.has(r)) {
        this.reported.add(r);
        this.onGiveUp?.({ line: r.def.line, service: r.def.service, probe: r.probe });
      }
      return null;
    }
  }

  /** Runs the rule of one line of the file on a banner: its groups, or null (for tests against PCRE). */
  execRule(line: number, data: Uint8Array): (string | undefined)[] | null {
    if (!this.byLine) {
      this.byLine = new Map();
      for (const p of [...this.probes.values(), ...this.udp.values()]) {
        const ix = p.ix ??= this.prepare(p);
        this.parseAllPending(ix);
        for (const r of ix.rules) this.byLine.set(r.def.line, r);
      }
    }
    const r = this.byLine.get(line);
    if (!r) return null;
    const s = Buffer.from(data).toString('latin1');
    this.steps = BANNER_STEPS;
    return this.groups(r, data, Buffer.from(s, 'utf8'), s);
  }

  /** Fields for a banner: nmap_service etc. from the first hard match, or the first softmatch's
   *  service. sent: the nmap probe sentProbe() found in the bytes sent (for trawlProbe null). */
  match(data: Uint8Array, trawlProbe: string | null, port = 0, sent: string | null = null, proto: Proto = 'tcp'): Fields | null {
    if (data.length === 0) return null;
    const s = Buffer.from(data.buffer, data.byteOffset, data.length).toString('latin1');
    const buf = Buffer.from(s, 'utf8');        // each byte one code point, as RE2 reads the patterns
    this.steps = BANNER_STEPS;
    let soft: Fields | null = null;
    for (const p of this.chain(trawlProbe, port, sent, proto)) {
      for (const r of this.candidates(p, buf, s)) {
        if (soft && r.def.soft) continue;
        const m = this.groups(r, data, buf, s);
        if (!m) continue;
        if (r.def.soft) { soft = { nmap_service: r.def.service, nmap_softmatch: true, nmap_probe: p.def.name, nmap_line: r.def.line }; continue; }
        const f: Fields = { nmap_service: r.def.service };
        const cpes: string[] = [];
        for (const t of r.def.templates) {
          const v = fill(t.value, m);
          if (!v) continue;
          if (t.key === 'cpe') cpes.push('cpe:/' + v);
          else if (FIELD.has(t.key)) f[FIELD.get(t.key)!] = v;
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
