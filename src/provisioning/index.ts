// The JIT provisioning core (DESIGN.md "Provisioning semantics"): a verified FederatedIdentity comes in, the
// IdP's JIT policy decides. `provisionLogin` (provision-login.ts) is what the login edges call. This file is
// the folder's public face: other folders import from here only.
export type {
  LoginProvisioning,
  ProvisioningDeps,
  ProvisioningPlan,
  PlanDecision,
  AttributeChange,
  ProvenanceChange,
  UserOutcome,
  UserPlan,
  PlannedEvents,
} from './types.js';
export { afterOf, endsWithUser, refusalOf } from './types.js';
export { planLogin, provisionLogin, provisionNow, runProvisioningJob, provisioningJobHandler } from './provision-login.js';
export { planProvisioning, effectiveSyncMethod } from './plan.js';
export { applyPlan, commitPlan, ProvisioningRace } from './apply.js';
export { createProvisioningReads, type ProvisioningReads } from './reads.js';
export { JIT_PROVISION_QUEUE, provisionalUserId, type ProvisionJobPayload } from './non-blocking.js';

export { planWithChosenUsername } from './chosen-username.js';
export { claimsUsedBy, readClaim } from './claim-mapping.js';
export { revokeConsentReceipt } from './consent-revocation.js';
export { type ConsentAnswers, type ConsentView, parseConsentForm } from './consent.js';
export { type ContextTokens, createContextTokens, type ProvisioningStep, type VerifiedContext } from './context-token.js';
export { verifiedEmails } from './email-verification.js';
export { describePrompt, type PromptScreen, submitPrompt } from './prompt-flow.js';
export { pauseForPrompts } from './prompt-pause.js';
