// hosts: each address that answered, once (masscan -oH), for feeding other tools. Uniqueness
// needs memory per address: IPv4 is kept as a number (about 20 bytes each), IPv6 as text.
import type { FormatModule } from './types';
import { parseIPv4 } from '../ipv4';

const ANSWERS = new Set(['open', 'closed', 'banner', 'alive']);

export const hosts: FormatModule = {
  name: 'hosts',
  summary: 'unique addresses that answered, one per line',
  create() {
    const seen4 = new Set<number>();
    const seen6 = new Set<string>();
    return {
      header: () => '',
      record(rec) {
        if (!ANSWERS.has(rec.type) || typeof rec.ip !== 'string') return '';
        const n = parseIPv4(rec.ip);
        if (typeof n === 'number') { if (seen4.has(n)) return ''; seen4.add(n); }
        else { if (seen6.has(rec.ip)) return ''; seen6.add(rec.ip); }
        return rec.ip + '\n';
      },
      drain: () => [],
      trailer: () => '',
    };
  },
};
