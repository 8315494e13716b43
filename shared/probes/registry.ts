// The built-in probes in slot order: the one list the option checks, the plan and catch read.
import { Probe } from './types';
import { nullProbe } from './null';
import { httpProbe } from './http';
import { tlsProbe } from './tls';
import { redisProbe } from './redis';
import { memcachedProbe } from './memcached';
import { rdpProbe } from './rdp';
import { postgresProbe } from './postgres';
import { smbProbe } from './smb';
import { mqttProbe } from './mqtt';
import { amqpProbe } from './amqp';
import { httpsProbe } from './https';
import { starttlsProbe } from './starttls';
import { sshProbe } from './ssh';
import { jarmProbe } from './jarm';

/** Every built-in probe, by slot. Slot 14 is free for a new probe; 15 is the user's. */
export const PROBES: readonly Probe[] = [
  nullProbe, httpProbe, tlsProbe, redisProbe, memcachedProbe, rdpProbe, postgresProbe, smbProbe, mqttProbe, amqpProbe, httpsProbe, starttlsProbe, sshProbe,
  jarmProbe,
];
