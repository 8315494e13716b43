// The AMQP probe: the 0-9-1 protocol header, answered by Connection.Start (server properties:
// product, version, platform) or by the header of the version the server speaks instead.
import { Probe, ascii, concat } from './types';

export const AMQP_HEADER = concat([ascii('AMQP'), Uint8Array.of(0, 0, 9, 1)]);

export const amqpProbe: Probe = {
  name: 'amqp',
  slot: 9,
  description: 'AMQP 0-9-1 protocol header: Connection.Start with server properties',
  ports: [5672],
  services: ['amqp'],
  payload: () => ({ before: AMQP_HEADER }),
};
