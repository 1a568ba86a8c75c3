// Rolodex dashboard: small enhancements over pages that work without it.
// Loaded from /assets (the Content-Security-Policy allows no inline script).
'use strict';

// Copy buttons: <button data-copy="input-id">.
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  navigator.clipboard?.writeText(input.value).then(
    () => { button.textContent = 'Copied'; },
    () => { document.execCommand('copy'); button.textContent = 'Copied'; },
  );
});
