// The MQTT probe: a 3.1.1 CONNECT with a clean session, answered by CONNACK (its return code says
// whether anonymous clients are accepted).
//
//  0  10 11                fixed header: CONNECT, remaining length 17
//  2  00 04 'MQTT' 04      protocol name, level 4 (3.1.1)
//  9  02 00 3c             flags: clean session; keep-alive 60 s
// 12  00 05 'trawl'        client identifier
import { Probe, ascii, concat } from './types';

export const MQTT_CONNECT = concat([
  Uint8Array.of(0x10, 0x11, 0x00, 0x04), ascii('MQTT'), Uint8Array.of(0x04, 0x02, 0x00, 0x3c, 0x00, 0x05), ascii('trawl'),
]);

export const mqttProbe: Probe = {
  name: 'mqtt',
  slot: 8,
  description: 'MQTT 3.1.1 CONNECT (client id trawl, clean session): CONNACK',
  ports: [1883],
  services: ['mqtt'],
  payload: () => ({ before: MQTT_CONNECT }),
};
