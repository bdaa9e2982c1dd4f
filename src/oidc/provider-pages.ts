// The pages oidc-provider renders itself (errors it cannot redirect to the app, the logout confirmation
// and the signed-out page), drawn with the login layout so they look like the rest of the product.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { errorPage, logoutPromptPage, logoutSuccessPage } from '../login/index.js';

const explanations: Record<string, string> = {
  invalid_client: 'The application that sent you here is not registered with jitbridge.',
  invalid_redirect_uri: 'The application asked to send you back to an address it has not registered.',
  invalid_request: 'The sign-in request from the application was not valid.',
  session_not_found: 'Your sign-in session has expired or was started in another browser.',
  invalid_client_metadata: 'The application is not configured correctly.',
};

export async function renderProviderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, _error: unknown) {
  ctx.type = 'html';
  ctx.body = await errorPage({
    title: 'Sign-in could not continue',
    message: explanations[out.error] ?? 'The sign-in request could not be completed.',
    reference: out.error_description ? `${out.error}: ${out.error_description}` : out.error,
  });
}

export async function renderLogoutPrompt(ctx: KoaContextWithOIDC, form: string) {
  ctx.type = 'html';
  ctx.body = await logoutPromptPage({ appName: ctx.oidc.client?.clientName ?? null, providerForm: form });
}

export async function renderLogoutSuccess(ctx: KoaContextWithOIDC) {
  ctx.type = 'html';
  ctx.body = await logoutSuccessPage({ appName: ctx.oidc.client?.clientName ?? null });
}
