// Light or dark: the system's setting unless the user picked one with the toggle (kept per browser).

const KEY = 'pmc.theme';
const NEXT = { system: 'dark', dark: 'light', light: 'system' };
const LABEL = { system: ['◐', 'Auto'], dark: ['☾', 'Dark'], light: ['☀', 'Light'] };

export function initTheme(toggle) {
  const apply = (theme) => {
    if (theme === 'system') {
      delete document.documentElement.dataset.theme;
      localStorage.removeItem(KEY);
    } else {
      document.documentElement.dataset.theme = theme;
      localStorage.setItem(KEY, theme);
    }
    const [icon, name] = LABEL[theme];
    const label = document.createElement('span');
    label.className = 'theme-name';
    label.textContent = ` ${name}`;
    toggle.replaceChildren(icon, label);
    toggle.dataset.theme = theme;
    toggle.title = `Theme: ${theme === 'system' ? 'as the system' : theme} (click to change)`;
    toggle.setAttribute('aria-label', toggle.title);
  };
  apply(localStorage.getItem(KEY) ?? 'system');
  toggle.addEventListener('click', () => apply(NEXT[toggle.dataset.theme]));
}
