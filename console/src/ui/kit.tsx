// Small shared pieces: labelled fields (every input has a label and, where it helps, a one-line explanation tied
// to it with aria-describedby), status messages announced to screen readers, and a loader hook.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useState } from 'preact/hooks';

export function Field(props: { label: string; help?: string; children: (id: string, describedBy?: string) => ComponentChildren }) {
  const id = useId();
  const helpId = props.help ? `${id}-help` : undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id, helpId)}
      {props.help && (
        <p class="help" id={helpId}>
          {props.help}
        </p>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  help?: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password' | 'number' | 'email';
  required?: boolean;
  multiline?: boolean;
  placeholder?: string;
  name?: string;
}) {
  return (
    <Field label={props.label} help={props.help}>
      {(id, describedBy) =>
        props.multiline ? (
          <textarea
            id={id}
            name={props.name}
            aria-describedby={describedBy}
            value={props.value}
            rows={6}
            placeholder={props.placeholder}
            onInput={(e) => props.onInput(e.currentTarget.value)}
          />
        ) : (
          <input
            id={id}
            name={props.name}
            // preact's types split <input> by type; the union of the four is one element here.
            type={(props.type ?? 'text') as 'text'}
            aria-describedby={describedBy}
            required={props.required}
            value={props.value}
            placeholder={props.placeholder}
            onInput={(e) => props.onInput(e.currentTarget.value)}
          />
        )
      }
    </Field>
  );
}

export function CheckField(props: { label: string; help?: string; checked: boolean; onChange: (checked: boolean) => void; name?: string }) {
  const id = useId();
  return (
    <div class="field check">
      <input
        id={id}
        name={props.name}
        type="checkbox"
        checked={props.checked}
        aria-describedby={props.help ? `${id}-help` : undefined}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
      {props.help && (
        <p class="help" id={`${id}-help`}>
          {props.help}
        </p>
      )}
    </div>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  help?: string;
  value: T;
  options: Array<{ value: T; label: string }>;
  onChange: (value: T) => void;
  name?: string;
}) {
  return (
    <Field label={props.label} help={props.help}>
      {(id, describedBy) => (
        <select
          id={id}
          name={props.name}
          aria-describedby={describedBy}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value as T)}
        >
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Notice(props: { kind: 'error' | 'warning' | 'ok'; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** Loads once (and again on reload()); answers the data, an error text, and reload. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ data }),
      (error: unknown) => live && setState({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** An openapi-fetch answer as data, or a thrown Error carrying the problem's text. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
  problemText: (e: unknown) => string,
): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new Error(problemText(error ?? response.statusText));
  return data as T;
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
