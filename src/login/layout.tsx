// The shared page frame of every page a person sees (IdP chooser, errors, logout; later prompts, consent
// and MFA): one card, the product's brand, our stylesheet, no script. Pages pass a title and their body.
import type { Child } from 'hono/jsx';

export const LOGIN_CSS_PATH = '/login/assets/login.css';

export interface LayoutProps {
  title: string;
  children?: Child;
}

export function Layout({ title, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · jitbridge`}</title>
        <link rel="stylesheet" href={LOGIN_CSS_PATH} />
      </head>
      <body>
        <main>
          <div class="card">
            <div class="brand" aria-hidden="true">
              <span class="brand-mark" />
              <span>jitbridge</span>
            </div>
            {children}
          </div>
        </main>
        <footer>Secured sign-in by jitbridge</footer>
      </body>
    </html>
  );
}

/** A full HTML document as a string (with its doctype). */
export async function renderPage(page: ReturnType<typeof Layout>): Promise<string> {
  return `<!DOCTYPE html>${await page.toString()}`;
}
