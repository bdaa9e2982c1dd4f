// The stylesheet of every page a person sees (served from /login/assets/login.css: the CSP allows no
// inline styles). Plain CSS, system fonts, readable without JavaScript, light and dark.
export const LOGIN_CSS = `
:root { --bg: #f4f6fa; --card: #fff; --text: #1c2330; --muted: #5b6576; --line: #dde2ea; --accent: #2456d3; --accent-text: #fff; --danger: #b42318; --danger-bg: #fdecea; --focus: #93b4ff; }
@media (prefers-color-scheme: dark) { :root { --bg: #11151c; --card: #1a202a; --text: #e7ebf2; --muted: #9aa4b5; --line: #2c3441; --accent: #6d93ff; --accent-text: #0b1020; --danger: #ff8a80; --danger-bg: #3a1d1d; --focus: #3f5fbf; } }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; min-height: 100vh; display: flex; flex-direction: column; }
main { flex: 1; display: flex; align-items: flex-start; justify-content: center; padding: 8vh 16px 32px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; box-shadow: 0 8px 24px rgba(16, 24, 40, .08); width: 100%; max-width: 420px; padding: 32px; }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; letter-spacing: .2px; margin-bottom: 24px; color: var(--muted); font-size: 14px; }
.brand-mark { width: 28px; height: 28px; border-radius: 8px; background: linear-gradient(135deg, var(--accent), #7b5cff); display: inline-block; }
h1 { font-size: 22px; line-height: 1.3; margin: 0 0 8px; }
p { margin: 0 0 16px; }
.lead { color: var(--muted); }
.app-name { font-weight: 600; color: var(--text); }
form { margin: 0; }
fieldset { border: 0; margin: 0 0 16px; padding: 0; }
legend { font-weight: 600; margin-bottom: 8px; padding: 0; }
.choices { display: grid; gap: 10px; }
.choice { display: flex; align-items: center; gap: 12px; border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; cursor: pointer; }
.choice:hover { border-color: var(--accent); }
.choice input { accent-color: var(--accent); width: 18px; height: 18px; margin: 0; }
.choice-label { display: flex; flex-direction: column; }
.choice-hint { color: var(--muted); font-size: 13px; }
label { display: block; font-weight: 600; margin-bottom: 6px; }
input[type=text], input[type=password], input[type=email] { width: 100%; padding: 10px 12px; border-radius: 8px; border: 1px solid var(--line); background: transparent; color: var(--text); font: inherit; }
button, .button { display: inline-flex; justify-content: center; align-items: center; width: 100%; padding: 11px 16px; border-radius: 8px; border: 1px solid transparent; background: var(--accent); color: var(--accent-text); font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: transparent; color: var(--text); border-color: var(--line); }
.actions { display: grid; gap: 10px; margin-top: 8px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.alert { border-radius: 10px; padding: 12px 14px; background: var(--danger-bg); color: var(--danger); margin-bottom: 16px; }
.detail { color: var(--muted); font-size: 13px; word-break: break-word; }
footer { text-align: center; color: var(--muted); font-size: 13px; padding: 16px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
