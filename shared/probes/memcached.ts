// The memcached probe: the text protocol's "version" (one line, VERSION x.y.z) or "stats".
import { Probe, ascii } from './types';

export const memcachedProbe: Probe = {
  name: 'memcached',
  slot: 4,
  description: 'memcached text protocol "version" (or "stats" with --memcached-command stats)',
  ports: [11211],
  services: ['memcached'],
  payload: (cfg) => ({ before: ascii(cfg.memcachedCommand === 'stats' ? 'stats\r\n' : 'version\r\n') }),
};
