// The credential (an API key or a token) the page sends, kept for this tab only (sessionStorage),
// and the sign-in dialog that asks for it when the server wants one.

const KEY = 'pmc.credential';
const $ = (id) => document.getElementById(id);

export function credential() {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** The Authorization header of a request, when the page has a credential. */
export function authHeaders() {
  const token = credential();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

let asking;

/**
 * Shows the sign-in dialog (once, however many callers ask) and resolves when `check` accepts
 * what was typed; what is on the page stays as it is behind the dialog.
 */
export function askForCredential(reason, check) {
  asking ??= new Promise((resolve) => {
    const dialog = $('sign-in');
    const form = $('sign-in-form');
    const input = $('credential');
    const error = $('sign-in-error');
    error.textContent = reason ?? '';
    input.value = '';
    const submit = async (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) {
        return;
      }
      sessionStorage.setItem(KEY, token);
      try {
        const me = await check();
        form.removeEventListener('submit', submit);
        dialog.close();
        asking = undefined;
        resolve(me);
      } catch (failure) {
        forget();
        error.textContent = failure.message;
        input.select();
      }
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    dialog.showModal();
    input.focus();
  });
  return asking;
}
