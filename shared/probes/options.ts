// The probe options blast and scan add to their tables, and the ProbeConfig they produce.
import { OptionSpec } from '../args';
import { checkSni } from '../tls/hello';
import { ProbeConfig } from './types';
import { PROBES } from './registry';
import { USER_NAME } from './user';
import { parsePorts } from '../targets/ports';
import { VERSION } from '../version';
import { checkUdpProbeSpec, isUdpProbeSpec } from '../udp/plan';

export const DEFAULT_USER_AGENT = `trawl/${VERSION}`;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;   // RFC 9110 token: methods and header names

/** Checks one --probe value: NAMES, or PORTS:NAMES with PORTS like 80,8000-8100 and NAMES one
 *  probe or several, comma separated (each its own connection). */
export function checkProbeSpec(names: readonly string[], v: string): string | undefined {
  if (isUdpProbeSpec(v)) return checkUdpProbeSpec(v);   // U:PORTS:NAME: a UDP payload (shared/udp/plan.ts)
  const c = v.lastIndexOf(':');
  const list = (c < 0 ? v : v.slice(c + 1)).split(',');
  for (const name of list) if (!names.includes(name)) return `unknown probe '${name}' (one of ${names.join(', ')})`;
  if (new Set(list).size !== list.length) return `'${v}' names a probe twice`;
  if (c >= 0) { const e = parsePortList(v.slice(0, c)); if (typeof e === 'string') return e; }
  return undefined;
}

/** "80,443,8000-8100" -> ports, or an error message (the port syntax of trawl targets -p). */
export function parsePortList(s: string): number[] | string {
  if (s === '') return 'empty port list before the probe name';
  return parsePorts(s);
}

export function checkHttpHeader(h: string): string | undefined {
  const c = h.indexOf(':');
  if (c <= 0) return `'${h}' is not NAME: VALUE`;
  if (!TOKEN.test(h.slice(0, c).trim())) return `'${h.slice(0, c)}' is not a header name`;
  if (/[\r\n\0]/.test(h)) return 'header contains CR, LF or NUL';
  return undefined;
}

/** What --probe accepts: the built-in probes, then the user's. */
export const probeNames: readonly string[] = [...PROBES.map((p) => p.name), USER_NAME];

export const PROBE_OPTIONS: OptionSpec[] = [
  { name: 'probe', type: 'list', arg: '[PORTS:]NAME[,NAME...]', check: (v: string) => checkProbeSpec(probeNames, v),
    help: 'probe NAME on every port, or on PORTS (80,8000-8100:http); several names: one connection each (443:tls,https); U:PORTS:NAME a UDP payload (U:53:dns); default: by port (trawl-probes(7))' },
  { name: 'identify', type: 'boolean',
    help: 'LZR-style identification: null, http and tls on every port (each its own connection); banners --identify decides the service' },
  { name: 'probe-file', type: 'string', arg: 'FILE',
    help: 'the "user" probe: raw bytes, or the #trawl-probe text form with \\xNN escapes and {ip}' },
  { name: 'http-method', type: 'string', arg: 'METHOD', default: 'GET',
    check: (v: string) => (TOKEN.test(v) ? undefined : `'${v}' is not an HTTP method`), help: 'method of the http probe' },
  { name: 'http-url', type: 'string', arg: 'PATH', default: '/',
    check: (v: string) => (/^[\x21-\x7e]+$/.test(v) ? undefined : 'URL must be printable ASCII without spaces'), help: 'request target of the http probe' },
  { name: 'http-header', type: 'list', arg: '"NAME: VALUE"', check: checkHttpHeader,
    help: 'add a header to the http probe, or replace the default one of that name' },
  { name: 'http-user-agent', type: 'string', arg: 'TEXT', default: DEFAULT_USER_AGENT,
    check: (v: string) => (/[\r\n\0]/.test(v) ? 'contains CR, LF or NUL' : undefined), help: 'User-Agent of the http probe' },
  { name: 'http-host', type: 'string', arg: 'NAME',
    check: (v: string) => (/^[\x21-\x7e]+$/.test(v) ? undefined : `'${v}' is not a host name`), help: 'fixed Host header (default: the target\'s address)' },
  { name: 'sni', type: 'string', arg: 'NAME', check: checkSni, help: 'server name sent by the tls probe (default: none)' },
  { name: 'redis-command', type: 'string', arg: 'info|ping', default: 'info',
    check: (v: string) => (v === 'info' || v === 'ping' ? undefined : `'${v}' is not info or ping`), help: 'command of the redis probe' },
  { name: 'memcached-command', type: 'string', arg: 'version|stats', default: 'version',
    check: (v: string) => (v === 'version' || v === 'stats' ? undefined : `'${v}' is not version or stats`), help: 'command of the memcached probe' },
];

/**
 * ProbeConfig from parsed options; missing keys (a table without PROBE_OPTIONS) take defaults.
 * `key` is the scan key, which the tls probe's key shares come from.
 */
export function probeConfig(opts: Record<string, any>, key?: Uint8Array): ProbeConfig {
  return {
    key,
    httpMethod: opts['http-method'] ?? 'GET',
    httpUrl: opts['http-url'] ?? '/',
    httpHeaders: opts['http-header'] ?? [],
    httpUserAgent: opts['http-user-agent'] ?? DEFAULT_USER_AGENT,
    httpHost: opts['http-host'] || undefined,
    sni: opts.sni || undefined,
    redisCommand: opts['redis-command'] === 'ping' ? 'ping' : 'info',
    memcachedCommand: opts['memcached-command'] === 'stats' ? 'stats' : 'version',
  };
}
