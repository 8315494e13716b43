// The HTTP probe: one request whose Host header is the target's address (masscan-ng's
// --dynamic-set-host) unless --http-host names a fixed one.
import { namedConfig, Probe, ProbeConfig, templateAt } from './types';

/** Request line and headers in the order sent; user headers replace a default of the same name. */
export function httpRequestText(cfg: ProbeConfig): string {
  const headers: [string, string][] = [
    ['Host', cfg.httpHost ?? '{ip}'],
    ['User-Agent', cfg.httpUserAgent],
    ['Accept', '*/*'],
    ['Connection', 'close'],
  ];
  for (const h of cfg.httpHeaders) {
    const c = h.indexOf(':');
    const name = h.slice(0, c).trim(), value = h.slice(c + 1).trim();
    const at = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    // Connection stays last so the request reads naturally; a replaced header keeps its place.
    if (at >= 0) headers[at] = [name, value];
    else headers.splice(headers.length - 1, 0, [name, value]);
  }
  const lines = headers.filter(([, v]) => v !== '').map(([n, v]) => `${n}: ${v}\r\n`);
  return `${cfg.httpMethod} ${cfg.httpUrl} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

export const httpProbe: Probe = {
  name: 'http',
  slot: 1,
  description: 'HTTP/1.1 request (GET / by default) with the target address as Host',
  ports: [80, 81, 591, 2375, 3000, 5984, 8000, 8008, 8080, 8081, 8088, 8888, 9200],
  services: ['http'],
  payload: (cfg) => templateAt(httpRequestText(cfg)),
  named: (cfg, name) => templateAt(httpRequestText(namedConfig(cfg, name))),
};
