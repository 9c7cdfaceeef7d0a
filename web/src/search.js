// Address search with autocomplete (/api/search), as a WAI-ARIA combobox: type to get
// suggestions, ArrowUp/ArrowDown to move, Enter to choose, Escape to close.

import { getJson } from './catalogue.js';
import { fill, h } from './dom.js';
import { t } from './i18n.js';

const DELAY_MS = 120;
const LIMIT = 8;

/** Wires `input` and `list` (a listbox); `onChoose(result)` gets the chosen search result. */
export function attachSearch(input, list, status, onChoose) {
  let results = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((option, i) => option.setAttribute('aria-selected', i === index ? 'true' : 'false'));
    if (index >= 0) {
      input.setAttribute('aria-activedescendant', `search-option-${index}`);
      list.children[index]?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const choose = (index) => {
    const result = results[index];
    if (!result) return;
    input.value = result.text;
    close();
    onChoose(result);
  };

  const show = () => {
    fill(list, results.map((result, index) =>
      h('li', { id: `search-option-${index}`, role: 'option', 'aria-selected': 'false', 'data-type': result.type,
        onmousedown: (event) => { event.preventDefault(); choose(index); } },
      h('span', { class: 'option-text' }, result.text), h('span', { class: 'option-type' }, result.type))));
    list.hidden = results.length === 0;
    input.setAttribute('aria-expanded', results.length ? 'true' : 'false');
    status.textContent = results.length ? `${results.length}` : t('searchNone');
    active = -1;
  };

  const ask = async (query) => {
    const ticket = ++asked;
    try {
      const answer = await getJson(`/api/search?q=${encodeURIComponent(query)}&limit=${LIMIT}`);
      if (ticket !== asked) return;
      results = answer.results;
      show();
    } catch (error) {
      if (ticket !== asked) return;
      results = [];
      show();
      status.textContent = `${t('searchFailed')}: ${error.message}`;
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < 2) {
      results = [];
      close();
      return;
    }
    timer = setTimeout(() => ask(query), DELAY_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && results.length) {
      event.preventDefault();
      if (list.hidden) show();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === 'ArrowUp' && results.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(active >= 0 ? active : 0);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}
