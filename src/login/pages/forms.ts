// Reading the provisioning prompt forms, and turning a refusal (AppError with field problems) back into
// per-field messages for the re-rendered page. Bounds every value, so a forged form cannot make us hash
// or compare megabytes.
import { AppError } from '../../domain/index.js';
import { parseConsentForm, type ConsentAnswers } from '../../provisioning/index.js';
import type { FieldErrors } from './page-parts.js';

/** `c.req.parseBody({ all: true })`: repeated names (the consent checkboxes) arrive as arrays. */
export type FormBody = Record<string, string | File | (string | File)[]>;

const text = (form: FormBody, name: string, max: number): string => {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first.slice(0, max) : '';
};

export interface PromptAnswers {
  csrf: string;
  /** Trimmed; empty when the page did not ask. */
  username: string;
  password: string;
  confirmation: string;
  consent: ConsentAnswers;
}

/** The answers of any of the three prompt pages (fields a page does not have come back empty). */
export function readPromptForm(form: FormBody): PromptAnswers {
  return {
    csrf: text(form, 'csrf', 200),
    username: text(form, 'username', 512).trim(),
    // Not trimmed: spaces are part of a password. Cut above the policy's maximum so it still fails it.
    password: text(form, 'password', 2048),
    confirmation: text(form, 'confirmation', 2048),
    consent: parseConsentForm(form),
  };
}

/** Field messages of an AppError (`weak_password`, a username problem), keyed by form field. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof AppError)) return {};
  const errors: FieldErrors = {};
  for (const problem of error.fields) {
    const field = problem.field === 'userName' ? 'username' : problem.field;
    (errors[field] ??= []).push(problem.message);
  }
  return errors;
}
