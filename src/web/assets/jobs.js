// Rolodex dashboard: live progress on a job's page. While the job is queued
// or running, its page has <section data-poll="….json">; this reads that
// JSON every second and updates the state, the progress bar and the counts,
// then reloads the page once (the finished page has the errors and the
// download). Without JavaScript the page says to refresh it.
'use strict';

(() => {
  const section = document.querySelector('[data-poll]');
  if (!section) return;
  const url = section.getAttribute('data-poll');
  const bar = section.querySelector('[data-progress]');
  const text = section.querySelector('[data-progress-text]');
  const state = section.querySelector('[data-state]');
  const hint = section.querySelector('[data-refresh-hint]');
  if (hint) hint.textContent = 'This page follows the job as it runs.';
  let failures = 0;

  const show = (status) => {
    if (bar) {
      bar.value = status.progress;
      bar.textContent = `${status.progress}%`;
    }
    if (text) text.textContent = `${status.progress}%`;
    if (state) {
      state.textContent = status.stateName;
      state.className = `state ${status.state}`;
    }
    for (const [key, value] of Object.entries(status.counts || {})) {
      const cell = section.querySelector(`[data-count="${key}"]`);
      if (cell) cell.textContent = String(value);
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      // A logged-out session answers with the login page: stop, the next load asks for a login.
      if (!response.ok || !(response.headers.get('content-type') || '').startsWith('application/json')) return;
      const status = await response.json();
      show(status);
      if (status.finished) {
        window.location.reload();
        return;
      }
      failures = 0;
    } catch {
      // A network blip: try again, a few times.
      if (++failures > 10) return;
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
