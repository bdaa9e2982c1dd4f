// A two-step action: the first button opens a short statement of what will happen, with the real action and a
// cancel next to it. Used where a mistake is costly (rotation, deletion) instead of window.confirm, so the words are
// on the page, reachable by keyboard and readable at any width. Focus moves to the real action when the step opens
// and back to the first button when it closes (Cancel or Escape).
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function ConfirmAction(props: {
  label: string;
  confirmLabel: string;
  /** What the action does, said before it is done. */
  children: ComponentChildren;
  onConfirm: () => Promise<unknown>;
  destructive?: boolean;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) confirmRef.current?.focus();
    else if (wasOpen.current) openerRef.current?.focus();
    wasOpen.current = open;
  }, [open]);
  const cls = props.destructive ? 'destructive' : undefined;
  if (!open)
    return (
      <button ref={openerRef} type="button" class={cls} disabled={props.disabled} onClick={() => setOpen(true)}>
        {props.label}
      </button>
    );
  return (
    <div class="confirm" role="group" aria-label={props.label} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <div class="help">{props.children}</div>
      <button
        ref={confirmRef}
        type="button"
        class={cls}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          // The caller shows its own errors; this only closes the step.
          props
            .onConfirm()
            .catch(() => undefined)
            .finally(() => {
              setBusy(false);
              setOpen(false);
            });
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </div>
  );
}
