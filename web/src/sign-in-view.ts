// The sign-in form: a key is checked with GET /api/v1/me before anything else is shown.
import { ApiClient, describeError, type Me } from './api-client';
import { h } from './dom';
import { saveKey } from './session-key';

export function renderSignIn(
  host: HTMLElement,
  onSignedIn: (client: ApiClient, me: Me) => void,
  initialError = '',
): void {
  const input = h('input', {
    id: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'sign-in-hint sign-in-error',
  });
  const error = h('p', { id: 'sign-in-error', className: 'error', role: 'alert' }, initialError);
  const submit = h('button', { type: 'submit', id: 'sign-in-submit' }, 'Sign in');
  const form = h(
    'form',
    { id: 'sign-in', className: 'card narrow' },
    h('h1', {}, 'Tally usage'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h(
      'p',
      { id: 'sign-in-hint', className: 'hint' },
      'A secret key shows the whole account; a publishable key bound to a subject shows only that subject. The key stays in this tab only.',
    ),
    submit,
    error,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    error.textContent = '';
    document.body.dataset.state = 'signing-in';
    const client = new ApiClient(key);
    try {
      const me = await client.me();
      saveKey(key);
      onSignedIn(client, me);
    } catch (err) {
      error.textContent = describeError(err, 'Sign-in');
      document.body.dataset.state = 'error';
      submit.disabled = false;
      input.focus();
    }
  });
  host.replaceChildren(h('main', { id: 'main' }, form));
  input.focus();
}
