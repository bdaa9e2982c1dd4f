// Entry point: the callback of a sign-in is finished before the shell renders.
import { render } from 'preact';
import { App } from './app';
import { finishSignIn } from './auth';

async function start() {
  const root = document.getElementById('app')!;
  if (location.pathname.endsWith('/console/callback')) {
    try {
      const next = await finishSignIn(new URLSearchParams(location.search));
      history.replaceState(null, '', `/console/${next.startsWith('#') ? next : '#/'}`);
    } catch (error) {
      history.replaceState(null, '', '/console/');
      render(<App signInError={error instanceof Error ? error.message : String(error)} />, root);
      return;
    }
  }
  render(<App />, root);
}

void start();
