// The admin page (/admin): the operator types the admin token, sees the service's status,
// imports a layer with its metadata (POST /admin/layers, multipart `file` + `metadata`) and reads
// the import report, removes layers and reads the data folder's history.
//
// The token is kept only in this tab's sessionStorage and sent only as `Authorization: Bearer`;
// it never goes into the URL, a cookie or the page's HTML. A 401 forgets it.

import './admin.css';

import { ADMIN_WORDS } from './admin-words.js';
import { badge, fill, h } from './dom.js';
import { LANGUAGES, addWords, language, number, pick, setLanguage, statusWord, t, translateDocument } from './i18n.js';

addWords(ADMIN_WORDS);

const TOKEN_KEY = 'kvarter-admin-token';
const $ = (selector) => document.querySelector(selector);

/** The import's metadata fields (`kvarter_data::import::ImportRequest`), in the form's order. */
const FIELDS = [
  { name: 'id', required: true, pattern: '[a-z][a-z0-9\\-]{0,63}', maxlength: 64, help: true },
  { name: 'kind', required: true, options: ['municipal_designation', 'state_designation', 'admin_unit', 'base_map'], help: true },
  { name: 'title_da', required: true, lang: 'da' },
  { name: 'title_en', required: true, lang: 'en' },
  { name: 'authority', required: true, value: 'Københavns Kommune' },
  { name: 'policy' },
  { name: 'valid_from', type: 'date', help: true },
  { name: 'valid_to', type: 'date', help: true },
  { name: 'status', options: ['imported', 'official'], value: 'imported', help: true },
  { name: 'source_publisher', required: true },
  { name: 'source_url', required: true, help: true, inputmode: 'url' },
  { name: 'vintage', required: true, help: true },
  { name: 'licence', required: true, placeholder: 'CC BY 4.0' },
];

/** The optional fields behind "more options". */
const MORE_FIELDS = [
  { name: 'name_field', help: true },
  { name: 'id_field', help: true },
  { name: 'parent_field', help: true },
  { name: 'crs', options: ['', 'EPSG:25832', 'EPSG:4326', 'EPSG:3857'], help: true },
  { name: 'validity_note' },
  { name: 'table' },
  { name: 'wkt_column' },
];

/** What the page last showed, so that a language switch can show it again. */
const shown = { status: null, titles: new Map(), history: null, report: null };

// ---- the token -----------------------------------------------------------------------------

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  delete $('#token').dataset.i18nAttr;
  $('#token').removeAttribute('placeholder');
  $('#admin').hidden = true;
  shown.status = null;
  shown.history = null;
  shown.report = null;
  fill($('#report')).hidden = true;
}

// ---- talking to the server -----------------------------------------------------------------

/** An admin route's refusal: the HTTP status (0 when the server was not reached) and its detail. */
class AdminError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

/**
 * Calls an admin route with the token and answers its JSON; throws an `AdminError` otherwise.
 * A 401 forgets the token and shows why at the token field.
 */
async function admin(path, { method = 'GET', body } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      body,
      cache: 'no-store',
      headers: { Accept: 'application/json', Authorization: `Bearer ${token() ?? ''}` },
    });
  } catch (error) {
    throw new AdminError(0, error.message);
  }
  const answer = await response.json().catch(() => null);
  if (response.ok) return answer;
  const error = new AdminError(response.status, answer?.detail ?? answer?.error ?? response.statusText);
  if (response.status === 401) {
    forget();
    say($('#token-message'), () => t('wrongToken'), 'error');
    $('#token').focus();
  }
  throw error;
}

/** The words for an admin route's refusal, with the server's own detail. */
function refusal(error) {
  const heading = {
    0: t('errorNetwork'),
    400: t('errorBadRequest'),
    401: t('wrongToken'),
    403: t('errorForbidden'),
    404: t('errorNotFound'),
    409: t('errorConflict'),
    413: t('errorTooLarge'),
    422: t('errorRefused'),
    429: t('errorTooMany'),
    503: t('errorTimeout'),
  }[error.status] ?? t('errorServer')(error.status);
  return { heading, detail: error.status === 0 || error.status === 401 ? '' : error.detail };
}

/** Shows `text()` (re-run on a language switch) in the message element, as `kind`. */
function say(element, text, kind = 'info') {
  element.wordsFor = text;
  element.refusal = null;
  element.className = `message ${kind}`;
  element.textContent = text();
  element.hidden = false;
}

function hush(element) {
  element.wordsFor = null;
  element.refusal = null;
  element.hidden = true;
  element.textContent = '';
}

/** Shows a refusal: its heading, and the server's detail below it. */
function sayRefusal(element, error) {
  element.wordsFor = null;
  element.refusal = error;
  element.className = 'message error';
  const { heading, detail } = refusal(error);
  fill(element, h('strong', {}, heading), detail ? h('p', { class: 'detail' }, detail) : null);
  element.hidden = false;
}

// ---- status, layers and history ------------------------------------------------------------

function formatTime(at) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at ?? '';
  return new Intl.DateTimeFormat(language() === 'da' ? 'da-DK' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

function outcomeBadge(outcome) {
  return h('span', { class: `outcome ${outcome}`, 'data-outcome': outcome }, t('outcome')[outcome] ?? outcome);
}

/** One reload attempt in words: when, why, how it ended. */
function attempt(reload) {
  if (!reload) return t('noneYet');
  const details = reload.outcome === 'reloaded' ? t('versionChange')(reload.from, reload.to)
    : reload.outcome === 'unchanged' ? reload.version : reload.reason;
  return [
    outcomeBadge(reload.outcome), ' ',
    h('span', {}, `${formatTime(reload.at)}, ${t('trigger')[reload.trigger] ?? reload.trigger}`),
    details ? h('div', { class: 'attempt-detail' }, details) : null,
  ];
}

function fact(key, label, ...value) {
  return [h('dt', {}, label), h('dd', { 'data-fact': key }, ...value)];
}

function renderStatus() {
  const status = shown.status;
  if (!status) return;
  const reload = status.reload;
  const rss = status.memory?.rss_bytes;
  fill($('#status'),
    fact('data-version', t('dataVersion'), h('code', {}, status.data_version)),
    fact('source', t('dataSource'), status.source),
    reload ? fact('last-reload', t('lastReload'), attempt(reload.last)) : null,
    reload ? fact('reloads', t('reloads'), t('reloadCounts')(reload.reloaded, reload.unchanged, reload.failed)) : null,
    reload?.last_failure ? fact('last-failure', t('lastFailure'), attempt(reload.last_failure)) : null,
    rss ? fact('memory', t('memory'), `${number(rss / 1_048_576, 0)} ${t('megabytes')}`) : null);
  fill($('#layers tbody'), status.layers.map((layer) => h('tr', { 'data-layer': layer.id },
    h('td', {}, h('code', {}, layer.id)),
    h('td', {}, shown.titles.get(layer.id) ? pick(shown.titles.get(layer.id)) : ''),
    h('td', {}, badge(layer.status, statusWord(layer.status))),
    h('td', { class: 'n' }, number(layer.features)),
    h('td', { class: 'row-actions' }, h('button', {
      type: 'button', class: 'remove', 'data-remove': layer.id, 'aria-label': t('removeLayer')(layer.id),
      onclick: () => confirmRemove(layer.id),
    }, t('remove'))))));
}

function renderHistory() {
  const history = shown.history;
  if (!history) return;
  const rows = [...history].reverse().map((entry) => h('tr', { 'data-action': entry.action },
    h('td', {}, formatTime(entry.at)),
    h('td', {}, t('historyAction')[entry.action] ?? entry.action),
    h('td', {}, h('code', {}, entry.layer)),
    // The file as uploaded (an upload's `source` is the server's temporary copy).
    h('td', { class: 'file' }, (entry.entry?.meta?.source?.files ?? []).join(', ') || entry.entry?.file || ''),
    h('td', {}, entry.format ?? ''),
    h('td', {}, h('code', {}, entry.previous_data_version))));
  fill($('#history tbody'), rows);
  $('#history').hidden = rows.length === 0;
  $('#history-empty').hidden = rows.length > 0;
}

/** Reads the status (and the layers' titles, from the public API) and shows it. */
async function loadStatus() {
  const [status, catalogue] = await Promise.all([
    admin('/admin/status'),
    fetch('/api/layers', { cache: 'no-store' }).then((r) => (r.ok ? r.json() : null)).catch(() => null),
  ]);
  shown.status = status;
  shown.titles = new Map((catalogue?.layers ?? []).map((layer) => [layer.id, layer.title]));
  renderStatus();
}

async function loadHistory() {
  try {
    shown.history = await admin('/admin/layers/history');
  } catch (error) {
    // The embedded dataset has no folder and so no history (409): show none.
    if (error.status !== 409) throw error;
    shown.history = [];
  }
  renderHistory();
}

/** Checks the token by reading the status; shows the admin sections when it is right. */
async function connect() {
  say($('#token-message'), () => t('tokenChecking'));
  try {
    await loadStatus();
  } catch (error) {
    if (error.status === 404) say($('#token-message'), () => t('errorNoAdmin'), 'error');
    else if (error.status !== 401) sayRefusal($('#token-message'), error);
    return false;
  }
  say($('#token-message'), () => t('tokenAccepted'), 'success');
  $('#token').dataset.i18nAttr = 'placeholder:tokenKept';
  $('#token').placeholder = t('tokenKept');
  $('#admin').hidden = false;
  await loadHistory().catch((error) => sayRefusal($('#status-message'), error));
  return true;
}

async function refresh() {
  try {
    await Promise.all([loadStatus(), loadHistory()]);
  } catch (error) {
    if (error.status !== 401) sayRefusal($('#status-message'), error);
  }
}

// ---- removing a layer ----------------------------------------------------------------------

function confirmRemove(id) {
  const dialog = $('#confirm-remove');
  $('#confirm-text').textContent = t('confirmText')(id);
  dialog.returnValue = '';
  dialog.onclose = () => {
    if (dialog.returnValue === 'remove') remove(id);
  };
  dialog.showModal();
}

async function remove(id) {
  const message = $('#status-message');
  say(message, () => t('removing')(id));
  try {
    const answer = await admin(`/admin/layers/${encodeURIComponent(id)}`, { method: 'DELETE' });
    const version = answer.reload?.to ?? answer.reload?.version ?? '';
    say(message, () => t('removed')(id, version), 'success');
  } catch (error) {
    if (error.status !== 401) sayRefusal(message, error);
    return;
  }
  await refresh();
}

// ---- the upload form -----------------------------------------------------------------------

/** A form control for `field`, with its label (and help) keyed by the field's name. */
function control(field) {
  const id = `f-${field.name}`;
  const helpId = field.help ? `${id}-help` : null;
  const common = { id, name: field.name, required: field.required ?? false, 'aria-describedby': helpId };
  let input;
  if (field.options) {
    const options = field.options.map((value) => {
      const option = h('option', { value, selected: value === field.value });
      option.dataset.word = value;
      return option;
    });
    if (field.name === 'kind') options.unshift(h('option', { value: '', 'data-i18n': 'chooseKind', selected: true }));
    input = h('select', common, options);
  } else {
    input = h('input', {
      ...common,
      type: field.type ?? 'text',
      pattern: field.pattern,
      maxlength: field.maxlength,
      placeholder: field.placeholder,
      inputmode: field.inputmode,
      lang: field.lang,
      autocomplete: 'off',
      spellcheck: 'false',
    });
    if (field.value) input.value = field.value;
  }
  return h('div', { class: 'field', 'data-field': field.name },
    h('label', { for: id }, h('span', { class: 'field-name' }), field.required ? [' ', h('span', { class: 'required', 'aria-hidden': 'true' }, '*')] : null),
    input,
    helpId ? h('p', { id: helpId, class: 'help' }) : null);
}

/** Puts the current language's words into the generated fields. */
function labelFields() {
  for (const field of [...FIELDS, ...MORE_FIELDS]) {
    const box = document.querySelector(`[data-field="${field.name}"]`);
    box.querySelector('.field-name').textContent = t('field')[field.name];
    const help = box.querySelector('.help');
    if (help) help.textContent = t('help')[field.name] ?? '';
    for (const option of box.querySelectorAll('option[data-word]')) {
      const value = option.dataset.word;
      option.textContent = field.name === 'kind' ? t('kinds')[value]
        : field.name === 'status' ? statusWord(value)
          : value || t('crsFromFile');
    }
  }
}

/** The `metadata` JSON of the form: every filled field; the replace flag. */
function metadata(form) {
  const data = {};
  for (const field of [...FIELDS, ...MORE_FIELDS]) {
    const value = form.elements[field.name].value.trim();
    if (value) data[field.name] = value;
  }
  data.replace = form.elements.replace.checked;
  return data;
}

async function upload(event) {
  event.preventDefault();
  const form = event.target;
  const error = $('#upload-error');
  hush(error);
  if (!form.reportValidity()) return;
  const file = form.elements.file.files[0];
  const body = new FormData();
  body.append('metadata', JSON.stringify(metadata(form)));
  body.append('file', file, file.name);
  const button = $('#submit');
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  say($('#upload-progress'), () => t('importing'), 'progress');
  try {
    shown.report = await admin('/admin/layers', { method: 'POST', body });
    renderReport();
    const report = $('#report');
    report.scrollIntoView({ block: 'start' });
    report.focus({ preventScroll: true });
    form.elements.replace.checked = false;
    await refresh();
  } catch (failure) {
    if (failure.status !== 401) sayRefusal(error, failure);
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
    hush($('#upload-progress'));
  }
}

// ---- the report ----------------------------------------------------------------------------

function count(key, value) {
  return h('div', { class: `count${key === 'dropped' && value > 0 ? ' warn' : ''}`, 'data-count': key },
    h('span', { class: 'count-value' }, number(value)),
    h('span', { class: 'count-label' }, t('count')[key]));
}

function listOf(heading, key, items) {
  if (!items.length) return null;
  return h('details', { class: 'report-list', 'data-list': key, open: items.length <= 10 },
    h('summary', {}, `${heading} (${items.length})`),
    h('ul', {}, items));
}

function renderReport() {
  const report = shown.report;
  const element = $('#report');
  if (!report) return;
  const f = report.features;
  const reload = report.reload;
  fill(element,
    h('h2', { id: 'report-heading' }, t('reportHeading')),
    h('p', { class: 'report-headline' },
      h('strong', { 'data-action': report.action }, t('action')[report.action] ?? report.action), ': ',
      h('code', { 'data-report-layer': '' }, report.layer),
      h('span', { class: 'report-source' }, ` – ${report.source} (${report.format}), ${t('took')(number(report.seconds, 1))}`)),
    h('div', { class: 'counts', role: 'group', 'aria-label': t('features') },
      count('read', f.read), count('written', f.written), count('dropped', f.dropped.length), count('repaired', f.repaired.length)),
    reload.outcome === 'failed' ? h('p', { class: 'message error' }, t('reloadFailedNote')) : null,
    h('dl', { class: 'facts' },
      fact('version-before', t('versionBefore'), h('code', {}, report.previous_data_version)),
      fact('version-after', t('versionAfter'), h('code', {}, report.data_version)),
      fact('reload', t('reload'), attempt(reload)),
      report.replaced ? fact('replaced', t('replacedFile'), h('code', {}, report.replaced.file)) : null),
    listOf(t('droppedList'), 'dropped', f.dropped.map((d) => h('li', {}, h('code', {}, d.id), `: ${d.reason}`))),
    listOf(t('repairedList'), 'repaired', f.repaired.map((r) => h('li', {}, h('code', {}, r.id), `: ${r.repairs.join('; ')}`))),
    listOf(t('notes'), 'notes', f.notes.map((note) => h('li', {}, note))),
    h('p', { class: 'report-links' },
      h('a', { href: '/' }, t('seeOnMap')), ' · ',
      h('a', { href: `/api/layers/${encodeURIComponent(report.layer)}` }, t('seeInApi'))));
  element.hidden = false;
}

// ---- start ---------------------------------------------------------------------------------

function applyLanguage() {
  document.title = t('adminTitle');
  $('#lang').setAttribute('lang', LANGUAGES.find((lang) => lang !== language()));
  translateDocument();
  labelFields();
  for (const message of document.querySelectorAll('.message, .progress')) {
    if (message.wordsFor) message.textContent = message.wordsFor();
    else if (message.refusal && !message.hidden) sayRefusal(message, message.refusal);
  }
  renderStatus();
  renderHistory();
  renderReport();
}

function start() {
  // The language may be in the URL (?lang=en), as on the map; the token never is.
  setLanguage(new URLSearchParams(window.location.search).get('lang') === 'en' ? 'en' : 'da');
  fill($('#metadata-fields'), FIELDS.map(control));
  fill($('#more-fields'), MORE_FIELDS.map(control));
  applyLanguage();

  $('#lang').addEventListener('click', () => {
    setLanguage(LANGUAGES.find((lang) => lang !== language()));
    const url = new URL(window.location.href);
    if (language() === 'da') url.searchParams.delete('lang');
    else url.searchParams.set('lang', language());
    window.history.replaceState(null, '', url);
    applyLanguage();
  });
  $('#token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('#token');
    const typed = input.value.trim();
    if (!typed) {
      say($('#token-message'), () => t('tokenMissing'), 'error');
      input.focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, typed);
    if (await connect()) input.value = '';
  });
  $('#forget-token').addEventListener('click', () => {
    forget();
    $('#token').value = '';
    say($('#token-message'), () => t('tokenForgotten'));
  });
  $('#refresh').addEventListener('click', () => {
    hush($('#status-message'));
    refresh();
  });
  $('#upload').addEventListener('submit', upload);

  if (token()) connect();
}

start();
