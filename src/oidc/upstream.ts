// The one call the interaction makes into the federation edge: start an upstream login that comes back
// to /login/<uid>/federated with a login result. Kept behind this narrow port so the interaction can be
// tested and read without the connectors' details.
import type { AppContext } from '../http/app-context.js';

export interface BeginUpstreamLogin {
  (ctx: AppContext, input: { idpId: string; returnTo: string; context: { interactionUid: string } }): Promise<{ redirectUrl: string }>;
}

// Resolved when first used, so this edge builds while the federation edge is being written beside it.
const FEDERATION_MODULE = '../federation/index.js';

export const beginUpstreamLogin: BeginUpstreamLogin = async (ctx, input) => {
  const federation = (await import(FEDERATION_MODULE)) as { beginUpstreamLogin: BeginUpstreamLogin };
  return federation.beginUpstreamLogin(ctx, input);
};
