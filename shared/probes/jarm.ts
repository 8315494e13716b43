// The jarm probe (slot 13): the ten ClientHellos of JARM (shared/jarm/hellos.ts), each on its own
// connection told apart by the variant in the source port (shared/cookie.ts); banners joins the
// ten answers of a port into its JARM (shared/jarm/join.ts). The hellos are a function of the
// scan key, the variant and the server name: the target's address, as the reference sends when
// given an address, or --sni's name, or a named target's name (blast builds its hellos when
// catch asks for them, shared/blast/names.ts).
import { UsageError } from '../exit';
import { VARIANTS, VARIANT_SLOT } from '../cookie';
import { jarmPayload } from '../jarm/hellos';
import { namedConfig, Probe, ProbeConfig } from './types';

export const jarmProbe: Probe = {
  name: 'jarm',
  slot: VARIANT_SLOT,
  variants: VARIANTS,
  description: 'the ten ClientHellos of JARM (salesforce/jarm), one connection each; banners joins the answers into the jarm fingerprint',
  ports: [],   // never a port's default: ten connections per port are asked for by name
  services: ['tls'],
  payload(cfg: ProbeConfig, variant = 0) {
    if (!cfg.key) throw new UsageError('the jarm probe needs the scan key (its random fields come from it)');
    return jarmPayload(cfg.key, variant, cfg.sni);
  },
  // A named target's ten hellos carry its name in place of its address (or of --sni's name).
  named(cfg: ProbeConfig, name: string, variant = 0) { return this.payload(namedConfig(cfg, name), variant); },
};
