// Rolodex dashboard, contacts pages: enhancements over forms that work
// without JavaScript. No framework, no build step; loaded from /assets (the
// Content-Security-Policy allows no inline script).
//
// - the email search submits the filter form 300 ms after typing stops;
// - the selection of contacts is kept across pages in sessionStorage (keyed
//   by project and filter), including "Select all N matching" and the
//   contacts unticked while it is on (sent as excludeIds);
// - data rows are added and removed in place;
// - the data editor switches between rows and JSON without losing edits.
'use strict';

(() => {
  // ---- Debounced search ---------------------------------------------------
  const REFOCUS = 'rolodex:refocus-search';
  const search = document.querySelector('input[data-debounce]');
  if (search) {
    let timer;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        sessionStorage.setItem(REFOCUS, '1');
        search.form.requestSubmit();
      }, 300);
    });
    search.form.addEventListener('submit', () => clearTimeout(timer));
    // Back from a search: the caret goes where it was, so typing can go on.
    if (sessionStorage.getItem(REFOCUS)) {
      sessionStorage.removeItem(REFOCUS);
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
  }

  // ---- Rows: add and remove -----------------------------------------------
  function renumber(container) {
    [...container.children].forEach((row, i) => {
      for (const control of row.querySelectorAll('[data-label]')) control.setAttribute('aria-label', `${control.dataset.label} ${i + 1}`);
    });
  }

  function addRow(name) {
    const container = document.querySelector(`[data-rows="${name}"]`);
    const template = document.querySelector(`template[data-row-template="${name}"]`);
    if (!container || !template) return undefined;
    const row = template.content.firstElementChild.cloneNode(true);
    container.append(row);
    enhanceRow(row);
    renumber(container);
    return row;
  }

  function enhanceRow(row) {
    // The checkbox that removes a row on saving (without JavaScript) gives way to a button that removes it now.
    for (const label of row.querySelectorAll('.no-js-remove')) label.remove();
    const button = row.querySelector('[data-remove-row]');
    if (button) button.hidden = false;
  }

  for (const button of document.querySelectorAll('[data-add-row]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const row = addRow(button.dataset.addRow);
      row?.querySelector('input')?.focus();
    });
  }
  for (const container of document.querySelectorAll('[data-rows]')) for (const row of container.children) enhanceRow(row);
  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-remove-row]');
    if (!button) return;
    const row = button.closest('.data-row');
    const container = row.parentElement;
    row.remove();
    renumber(container);
    container.closest('fieldset')?.querySelector('[data-add-row]')?.focus();
  });

  // ---- Data editor: rows <-> JSON ------------------------------------------
  const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
  const UNSAFE = /[\u0000-\u001f\u007f]/;
  const unsafe = (text) => UNSAFE.test(text) || !text.isWellFormed();

  function rowsToData(container) {
    const data = {};
    const seen = new Set();
    [...container.children].forEach((row, i) => {
      const key = row.querySelector('[name="key"]').value;
      const type = row.querySelector('[name="type"]').value;
      const value = row.querySelector('[name="value"]').value;
      const text = value.trim();
      if (key === '' && value === '') return;
      const where = `Row ${i + 1}${key === '' ? '' : ` ("${key}")`}`;
      if (key === '') throw new Error(`${where}: give the key for this value`);
      if (seen.has(key)) throw new Error(`${where}: the key "${key}" is given twice`);
      seen.add(key);
      let parsed;
      if (type === 'string') parsed = value;
      else if (type === 'null') return;
      else if (type === 'boolean') {
        if (text !== 'true' && text !== 'false') throw new Error(`${where}: a boolean is true or false, not "${value}"`);
        parsed = text === 'true';
      } else if (type === 'number') {
        if (!NUMBER.test(text)) throw new Error(`${where}: "${value}" is not a number (write it like 5, -1.5 or 2e3)`);
        parsed = Number(text);
        if (!Number.isFinite(parsed)) throw new Error(`${where}: ${text} is too large for a number`);
      } else {
        try {
          parsed = JSON.parse(value);
        } catch (error) {
          throw new Error(`${where}: not valid JSON (${error.message})`);
        }
      }
      if (parsed !== null) Object.defineProperty(data, key, { value: parsed, enumerable: true, writable: true, configurable: true });
    });
    return data;
  }

  function rowOf(value) {
    if (typeof value === 'string') return unsafe(value) ? ['json', JSON.stringify(value)] : ['string', value];
    if (typeof value === 'number') return ['number', JSON.stringify(value)];
    if (typeof value === 'boolean') return ['boolean', String(value)];
    if (value === null) return ['null', ''];
    return ['json', JSON.stringify(value)];
  }

  function dataToRows(container, data) {
    const keys = Object.keys(data);
    if (keys.some(unsafe)) throw new Error('Some keys hold line breaks or other control characters, which rows cannot show: keep editing as JSON.');
    container.replaceChildren();
    for (const key of [...keys, '', '']) {
      const row = addRow('editor');
      if (key === '') continue;
      const [type, value] = rowOf(data[key]);
      row.querySelector('[name="key"]').value = key;
      row.querySelector('[name="type"]').value = type;
      row.querySelector('[name="value"]').value = value;
    }
  }

  const editor = document.querySelector('[data-editor]');
  if (editor) {
    const mode = editor.querySelector('[data-editor-mode]');
    const message = editor.querySelector('[data-editor-message]');
    const rows = editor.querySelector('[data-rows="editor"]');
    const textarea = editor.querySelector('textarea[name="json"]');
    editor.addEventListener('click', (event) => {
      const link = event.target.closest('[data-editor-switch]');
      if (!link || !rows) return;
      event.preventDefault();
      const to = link.dataset.editorSwitch;
      try {
        if (to === 'json') textarea.value = JSON.stringify(rowsToData(rows), null, 2);
        else {
          let data;
          try {
            data = JSON.parse(textarea.value);
          } catch (error) {
            throw new Error(`The JSON is not valid: ${error.message}`);
          }
          if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('The data must be a JSON object, such as {"plan": "pro"}');
          dataToRows(rows, data);
        }
      } catch (error) {
        message.textContent = error.message;
        return;
      }
      message.textContent = '';
      mode.value = to;
      for (const pane of editor.querySelectorAll('[data-editor-pane]')) pane.hidden = pane.dataset.editorPane !== to;
      const url = new URL(location.href);
      url.searchParams.set('editor', to);
      history.replaceState(null, '', url);
      (to === 'json' ? textarea : rows.querySelector('input'))?.focus();
    });
  }

  // ---- Selection across pages, and "Select all N matching" ------------------
  const bulk = document.getElementById('bulk');
  if (bulk) {
    const storageKey = `rolodex:selection:${bulk.dataset.selectionKey}`;
    const boxes = [...bulk.querySelectorAll('input[type="checkbox"][name="ids"]')];
    const all = document.getElementById('select-all-matching');
    const pageBox = document.getElementById('select-page');
    const status = bulk.querySelector('[data-selection-status]');
    const total = bulk.dataset.total === '' ? undefined : Number(bulk.dataset.total);

    let saved = {};
    try {
      saved = JSON.parse(sessionStorage.getItem(storageKey) ?? '{}') ?? {};
    } catch {
      saved = {};
    }
    const state = { all: Boolean(saved.all), ids: new Set(saved.ids ?? []), excluded: new Set(saved.excluded ?? []) };

    const save = () =>
      sessionStorage.setItem(storageKey, JSON.stringify({ all: state.all, ids: [...state.ids], excluded: [...state.excluded] }));

    const show = () => {
      all.checked = state.all;
      for (const box of boxes) box.checked = state.all ? !state.excluded.has(box.value) : state.ids.has(box.value);
      const ticked = boxes.filter((box) => box.checked).length;
      pageBox.checked = ticked === boxes.length && boxes.length > 0;
      pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
      const number = (n) => n.toLocaleString('en-US');
      if (state.all) {
        const left = state.excluded.size > 0 ? `, but ${number(state.excluded.size)} left out` : '';
        status.textContent = total === undefined ? `All matching contacts selected${left}` : `All ${number(total)} matching selected${left}`;
      } else status.textContent = state.ids.size > 0 ? `${number(state.ids.size)} selected` : '';
    };

    const tick = (box, checked) => {
      if (state.all) {
        if (checked) state.excluded.delete(box.value);
        else state.excluded.add(box.value);
      } else if (checked) state.ids.add(box.value);
      else state.ids.delete(box.value);
    };

    pageBox.hidden = false;
    for (const box of boxes) {
      box.addEventListener('change', () => {
        tick(box, box.checked);
        save();
        show();
      });
    }
    pageBox.addEventListener('change', () => {
      for (const box of boxes) tick(box, pageBox.checked);
      save();
      show();
    });
    all.addEventListener('change', () => {
      state.all = all.checked;
      state.ids.clear();
      state.excluded.clear();
      save();
      show();
    });

    bulk.addEventListener('submit', () => {
      // The ticked boxes of this page are sent as they are; the rest of the selection rides along as hidden fields.
      const onPage = new Set(boxes.map((box) => box.value));
      const hidden = (name, value) => {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        input.dataset.selection = '';
        bulk.append(input);
      };
      for (const input of bulk.querySelectorAll('input[data-selection]')) input.remove();
      if (state.all) for (const id of state.excluded) hidden('excludeIds', id);
      else for (const id of state.ids) if (!onPage.has(id)) hidden('ids', id);
      sessionStorage.removeItem(storageKey);
    });

    show();
    // A page brought back by the Back button shows the stored selection, not the one it was left with.
    addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      try {
        const again = JSON.parse(sessionStorage.getItem(storageKey) ?? '{}') ?? {};
        Object.assign(state, { all: Boolean(again.all), ids: new Set(again.ids ?? []), excluded: new Set(again.excluded ?? []) });
      } catch {
        Object.assign(state, { all: false, ids: new Set(), excluded: new Set() });
      }
      show();
    });
  }
})();
