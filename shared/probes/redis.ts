// The Redis probe: INFO as an inline command (its first segment carries redis_version and
// redis_mode), or PING; an instance that requires AUTH answers with a -NOAUTH error instead.
import { Probe, ascii } from './types';

export const redisProbe: Probe = {
  name: 'redis',
  slot: 3,
  description: 'Redis inline INFO (or PING with --redis-command ping)',
  ports: [6379, 6380, 26379],
  services: ['redis'],
  payload: (cfg) => ({ before: ascii(cfg.redisCommand === 'ping' ? 'PING\r\n' : 'INFO\r\n') }),
};
