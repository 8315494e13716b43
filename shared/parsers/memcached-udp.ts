// memcached over UDP: each datagram's 8-byte frame header (request ID, sequence, datagram count,
// reserved) stripped, then the text protocol read by the memcached parser (its fields).
import { Parser, Session } from './types';
import { memcached } from './memcached';
import { MEMCACHED_FRAME } from '../udp/memcached';

class FramedSession implements Session {
  private skip = MEMCACHED_FRAME;
  private inner = memcached.start();
  push(chunk: Uint8Array): void {
    const drop = Math.min(this.skip, chunk.length);
    this.skip -= drop;
    if (chunk.length > drop) this.inner.push(chunk.subarray(drop));
  }
  result() { return this.inner.result(); }
}

/** In the UDP list (shared/parsers/index.ts UDP_PARSERS) under memcached's name: the same service. */
export const memcachedUdp: Parser = {
  name: 'memcached',
  ports: memcached.ports,
  fields: memcached.fields,
  detect(b, probe, port) {
    // Sequence 0 of 1..n datagrams, reserved 0, then text.
    if (b.length >= MEMCACHED_FRAME + 1 && b[2] === 0 && b[3] === 0 && (b[4] | b[5]) !== 0 && b[6] === 0 && b[7] === 0) {
      return Math.max(2, memcached.detect(b.subarray(MEMCACHED_FRAME), 'memcached', port));
    }
    return probe === 'memcached' || this.ports.includes(port) ? 1 : 0;
  },
  start: () => new FramedSession(),
};
