// Small parts shared by the provisioning pages: the error summary, a labelled text/password field with
// its hint and errors tied to it (aria-describedby), and the CSRF field.
import type { Child } from 'hono/jsx';

/** Messages per form field (`password`, `confirmation`, `username`, ...). */
export type FieldErrors = Partial<Record<string, string[]>>;

export function ErrorSummary({ message }: { message?: string | null | undefined }) {
  return message ? (
    <div class="alert" role="alert">
      {message}
    </div>
  ) : null;
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}

export interface FieldProps {
  id: string;
  label: string;
  type: 'text' | 'password';
  autocomplete: string;
  value?: string | null;
  hint?: Child;
  errors?: string[] | undefined;
  required?: boolean;
  readOnly?: boolean;
  minLength?: number;
  maxLength?: number;
  autofocus?: boolean;
}

/** A labelled input; the hint and any errors are announced with it. */
export function Field(props: FieldProps) {
  const described = [props.hint ? `${props.id}-hint` : null, props.errors?.length ? `${props.id}-error` : null].filter(Boolean).join(' ');
  // The error box sits right above its field (the stylesheet's .alert), the hint under the input.
  return (
    <>
      {props.errors?.length ? (
        <div class="alert" id={`${props.id}-error`}>
          {props.errors.join(' ')}
        </div>
      ) : null}
      <p>
        <label for={props.id}>{props.label}</label>
        <input
          type={props.type}
          id={props.id}
          name={props.id}
          autocomplete={props.autocomplete}
          value={props.type === 'password' ? undefined : (props.value ?? undefined)}
          required={props.required ?? true}
          readonly={props.readOnly}
          minlength={props.minLength}
          maxlength={props.maxLength}
          autofocus={props.autofocus}
          aria-invalid={props.errors?.length ? 'true' : undefined}
          aria-describedby={described || undefined}
        />
        {props.hint ? (
          <span class="detail" id={`${props.id}-hint`}>
            {props.hint}
          </span>
        ) : null}
      </p>
    </>
  );
}

/** The 6-digit one-time code input of the TOTP and Email OTP pages (a space in the middle is allowed). */
export function OneTimeCodeInput() {
  return (
    <input
      type="text"
      id="code"
      name="code"
      inputmode="numeric"
      autocomplete="one-time-code"
      pattern="[0-9 ]{6,7}"
      maxlength={7}
      required
      autofocus
    />
  );
}
