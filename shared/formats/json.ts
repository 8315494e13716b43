// json: one JSON document, an array of host objects grouping their ports and banners; one host
// per line, the array closed at the end of input, on a signal and before a file rotates.
import type { FormatModule } from './types';
import { bannerBytes, escapeBytes } from './escape';
import { Grouper, HostGroup, hostUp, sortedPorts } from './group';

export function hostJson(h: HostGroup): object {
  return {
    ip: h.ip,
    status: hostUp(h) ? 'up' : 'down',
    first_us: h.first_us,
    last_us: h.last_us,
    // A ping's answer (alive records): nmap's reason word, its ttl, rtt and the MAC of ARP/NDP.
    ...(h.alive ? { alive: h.alive } : {}),
    ports: sortedPorts(h).map((p) => ({
      port: p.port, proto: p.proto, state: p.state, reason: p.reason, ttl: p.ttl,
      ...(p.reason_ip ? { reason_ip: p.reason_ip } : {}),
      ...(p.time_us ? { time_us: p.time_us } : {}),
      ...(p.service ? { service: p.service } : {}),
      ...(p.product ? { product: p.product } : {}),
      ...(p.version ? { version: p.version } : {}),
      ...(p.info ? { info: p.info } : {}),
      ...(p.os ? { os: p.os } : {}),
      ...(p.device ? { device: p.device } : {}),
      ...(p.hostname ? { hostname: p.hostname } : {}),
      ...(p.cpe ? { cpe: p.cpe } : {}),
      // Each banner keeps its record's fields (data stays base64, lossless) plus readable text.
      banners: (p.banners ?? []).map((s) => { const b = JSON.parse(s); return { ...b, banner: escapeBytes(bannerBytes(b)) }; }),
    })),
  };
}

export const json: FormatModule = {
  name: 'json',
  summary: 'one JSON array of host objects with their ports and banners',
  create(ctx) {
    const g = new Grouper(ctx.groupWindow);
    let n = 0;
    const emit = (hs: HostGroup[]) => {
      let s = '';
      for (const h of hs) s += (n++ ? ',\n' : '') + JSON.stringify(hostJson(h));
      return s;
    };
    return {
      header: () => '[\n',
      record: (rec) => emit(g.add(rec)),
      *drain() { for (const h of g.drain()) yield emit([h]); },
      trailer() { const t = n ? '\n]\n' : ']\n'; n = 0; return t; },
    };
  },
};
