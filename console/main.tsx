/** The console's entry: sign in from the #key= fragment when present, then render. */
import { render } from 'preact';
import { App } from './app.js';
import { takeKeyFromFragment } from './session.js';

takeKeyFromFragment();
render(<App />, document.getElementById('app')!);
