// The one call the interaction makes into the federation edge: start an upstream login that comes back
// to /login/<uid>/federated with a login result (unless the interaction takes the outcome at the callback). Kept behind this narrow port so the interaction reads
// without the connectors' details (and a test or benchmark can hand in another starter).
import { beginUpstreamLogin as federationBegin } from '../federation/index.js';
import type { AppContext } from '../http/index.js';

export interface BeginUpstreamLogin {
  (
    ctx: AppContext,
    input: {
      idpId: string;
      returnTo: string;
      context: { interactionUid: string };
    },
  ): Promise<{ redirectUrl: string; flowId: string }>;
}

export const beginUpstreamLogin: BeginUpstreamLogin = (ctx, input) => federationBegin(ctx, input);
