// The URLs of the provisioning prompts, shared by the prompt pages and the external pages' completion.

/** Where external provisioning pages post their answers (the context token's `completion_url`). */
export const PROVISIONING_COMPLETION_PATH = '/login/provisioning/complete';

/** The built-in prompt page of a paused provisioning; external pages return the browser here too. */
export const provisioningPromptPath = (interactionUid: string, pendingId: string) =>
  `/login/${encodeURIComponent(interactionUid)}/provision?pending=${encodeURIComponent(pendingId)}`;
