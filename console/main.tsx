/** The console's entry: sign in from the #key= fragment when present, then render. */
import { render } from 'preact';
import { App } from './app.js';
import { takeKeyFromFragment } from './session.js';

takeKeyFromFragment();
const root = document.getElementById('app')!;
// The "Loading…" placeholder is static HTML that Preact would otherwise leave in place.
root.textContent = '';
render(<App />, root);
