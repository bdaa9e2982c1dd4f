// After a route change, focus goes to the new page's main heading (or to `main` until the heading is there), so a
// keyboard or screen-reader user lands on the page they asked for rather than on the link they left.
import { type RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** How long a page may show "Loading…" before its heading; after that focus stays on `main`. */
const HEADING_WAIT_MS = 10_000;

export function useFocusOnNavigate(main: RefObject<HTMLElement | null>, route: string): void {
  const first = useRef(true);
  useEffect(() => {
    // The first page of a load keeps the browser's own start (the skip link comes first).
    if (first.current) {
      first.current = false;
      return;
    }
    const root = main.current;
    if (!root) return;
    const focusHeading = () => {
      const heading = root.querySelector('h1');
      if (!heading) return false;
      heading.tabIndex = -1;
      heading.focus();
      return true;
    };
    if (focusHeading()) return;
    root.focus();
    // Pages that load first render their heading later; move there unless the person has moved on already.
    const observer = new MutationObserver(() => {
      if (document.activeElement !== root) observer.disconnect();
      else if (focusHeading()) observer.disconnect();
    });
    observer.observe(root, { childList: true, subtree: true });
    const stop = setTimeout(() => observer.disconnect(), HEADING_WAIT_MS);
    return () => {
      observer.disconnect();
      clearTimeout(stop);
    };
  }, [route]);
}
