// What the OpenID Provider hands the login (src/login): its interaction read as the steps read it, and the way
// to finish it. oidc-provider's `interactionResult` finds the interaction through its cookie, which is scoped to
// /login/<uid> and so absent at the federation callback where a bound flow finishes in place; `finish` does the
// same two things (set the result, save) on the interaction found by uid, for every way a login ends.
import { errors, type InteractionResults } from 'oidc-provider';
import { AppError } from '../domain/index.js';
import type { AppContext } from '../http/index.js';
import type { InteractionEnding, InteractionView, LoginProtocol } from '../login/index.js';
import { pairwiseAccountId, saveFederatedAccount } from './account.js';
import { claimsFromFederated, SCOPE_CLAIMS, SUPPORTED_SCOPES } from './claims.js';
import { TTL, type ProviderHolder } from './provider.js';
import { RESULT_IDP_KEY } from './session-idp.js';

type Loaded = Awaited<ReturnType<ProviderHolder['get']>>;
type Interaction = Awaited<ReturnType<Loaded['provider']['interactionDetails']>>;

/** The interaction as the login steps read it. */
export const viewOf = (interaction: Pick<Interaction, 'uid' | 'params' | 'prompt' | 'session'>): InteractionView => ({
  uid: interaction.uid,
  clientId: String(interaction.params.client_id ?? ''),
  prompt: { name: interaction.prompt.name, details: (interaction.prompt.details ?? {}) as Record<string, unknown> },
  params: interaction.params as Record<string, unknown>,
  accountId: interaction.session?.accountId,
});

/** oidc-provider's result for a login's ending (the consent one needs the interaction's grant: see `consent`). */
function resultOf(ending: Exclude<InteractionEnding, { kind: 'consented' }>): InteractionResults {
  if (ending.kind === 'refused') return { error: 'access_denied', error_description: ending.description };
  const { authn } = ending;
  return {
    [RESULT_IDP_KEY]: ending.idpId,
    login: {
      accountId: ending.accountId,
      remember: true,
      ...(authn.amr && authn.amr.length > 0 ? { amr: authn.amr } : {}),
      ...(authn.acr ? { acr: authn.acr } : {}),
      // `ts` stays now: an older upstream auth_time would make max_age requests loop through the upstream SSO.
    },
  };
}

/** Consent to what the app asks, on the grant (a new one, or the interaction's own when it is this account's). */
async function consent(current: Loaded, interaction: Interaction): Promise<InteractionResults> {
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new errors.SessionNotFound('no signed-in session to consent for');
  const clientId = String(interaction.params.client_id ?? '');
  let grant = interaction.grantId ? await current.provider.Grant.find(interaction.grantId) : undefined;
  if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) grant = undefined;
  grant ??= new current.provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  const scopes = [...new Set([...String(interaction.params.scope ?? '').split(' '), ...(details.missingOIDCScope ?? [])])].filter(Boolean);
  if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  const grantId = await grant.save();
  return { ...(interaction.lastSubmission ?? {}), consent: { grantId } };
}

export function oidcLoginProtocol(ctx: AppContext, holder: ProviderHolder): LoginProtocol {
  const unreadable = (error: unknown, uid: string) => {
    if (!(error instanceof errors.OIDCProviderError)) ctx.logger.warn({ err: error, uid }, 'interaction could not be read');
    return undefined;
  };
  return {
    async details(c, uid) {
      const { provider } = await holder.get();
      try {
        const interaction = await provider.interactionDetails(c.env.incoming, c.env.outgoing);
        return interaction.uid === uid ? viewOf(interaction) : undefined;
      } catch (error) {
        return unreadable(error, uid);
      }
    },
    async find(uid) {
      const { provider } = await holder.get();
      const interaction = await provider.Interaction.find(uid).catch((error: unknown) => unreadable(error, uid));
      return interaction && interaction.uid === uid ? viewOf(interaction) : undefined;
    },
    async finish(uid, ending) {
      const current = await holder.get();
      const interaction = await current.provider.Interaction.find(uid);
      if (!interaction)
        throw new AppError('invalid_input', 'session_not_found', 'This sign-in has expired. Go back to the application and sign in again.');
      interaction.result = ending.kind === 'consented' ? await consent(current, interaction) : resultOf(ending);
      await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
      return interaction.returnTo;
    },
    cookieKeys: async () => (await holder.get()).keys.cookieKeys,
    async federatedAccount(idpId, subject, claims) {
      const accountId = pairwiseAccountId((await holder.get()).keys.pairwiseKey, idpId, subject);
      await saveFederatedAccount(ctx.store, accountId, claimsFromFederated(claims), Math.max(TTL.Session, TTL.RefreshToken));
      return accountId;
    },
    interactionTtlSeconds: TTL.Interaction,
    scopes: { supported: SUPPORTED_SCOPES, claims: SCOPE_CLAIMS },
  };
}
