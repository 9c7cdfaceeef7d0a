// The interface's words, in Danish (the default) and English. Place names and Danish terms
// (udsatte byområder, bydel, rode) are data and are never translated here.

const WORDS = {
  da: {
    appTitle: 'Kvarter – udsatte byområder i København',
    appShort: 'Kvarter',
    tagline: 'Sammenlign udpegningerne af udsatte byområder',
    modeLabel: 'Visning',
    modeSwipe: 'Skyder',
    modeSide: 'Side om side',
    modeOverlay: 'Ændringer',
    from: 'Fra',
    to: 'Til',
    yearsLabel: 'År',
    langSwitch: 'English',
    langSwitchLabel: 'Switch to English',
    searchLabel: 'Søg adresse eller sted',
    searchPlaceholder: 'Søg adresse, vej eller sted …',
    searchNone: 'Ingen adresser fundet',
    searchFailed: 'Søgningen mislykkedes',
    layersHeading: 'Lag',
    unitsHeading: 'Inddelinger',
    stateHeading: 'Statens lister',
    indicatorHeading: 'Indikator (farvelægning)',
    indicatorNone: 'Ingen',
    indicatorOn: 'Farvelægges på',
    legendHeading: 'Signaturforklaring',
    baseMap: 'Baggrundskort',
    noData: 'Ingen data',
    change: { kept: 'Udpeget begge år', added: 'Tilføjet', removed: 'Fjernet' },
    changeHeading: 'Ændring',
    status: { official: 'officiel', reconstructed: 'rekonstrueret', imported: 'importeret', synthetic: 'syntetisk' },
    source: 'Kilde',
    vintage: 'Årgang',
    licence: 'Licens',
    close: 'Luk',
    loading: 'Henter …',
    failed: 'Kunne ikke hente data',
    layer: 'Lag',
    area: 'Areal',
    parent: 'Del af',
    indicators: 'Indikatorer',
    indicatorsWithout: 'Indikatorer uden data her',
    period: 'periode',
    methodKey: 'Opgjort direkte for området',
    methodArea: 'Skøn: arealvægtet fra',
    weightingArea: 'vægtet efter areal',
    weightedBy: 'vægtet efter',
    membership: 'Udpegning i årene',
    inDesignation: 'udpeget',
    notDesignated: 'ikke udpeget',
    shareOfArea: 'af arealet',
    addressHeading: 'Adressen',
    inYear: (year) => `I ${year}`,
    onDate: (year) => `Pr. 1. januar ${year}`,
    yearNote: (year, layerTitle) =>
      `${year}: Der er endnu ikke indlæst et kort for udpegningen 2025–2035. ${year} viser derfor udpegningen gældende pr. 1. januar ${year}: ${layerTitle}.`,
    yearLabelInForce: (year, layerTitle) => `${year} – gældende pr. 1. januar ${year}: ${layerTitle}`,
    noLayerForYear: (year) => `Ingen udpegning for ${year}`,
    embedHeading: 'Indlejr i rapport',
    copyEmbed: 'Kopiér indlejringskode',
    copied: 'Kopieret til udklipsholderen',
    copyManually: 'Markér og kopiér koden',
    embedCode: 'Indlejringskode',
    print: 'Udskriv',
    downloadPng: 'Hent som PNG',
    downloadPdf: 'Hent som PDF',
    imageLink: 'Billedlink (PNG) til Word og PDF',
    copyImage: 'Kopiér billedlink',
    about: 'Data og lag',
    dataVersion: 'Dataversion',
    embedStale: 'Data er opdateret siden kortet blev indlejret.',
    printed: 'Udskrevet',
    reconstructedNote: 'Skraverede flader er rekonstruerede tilnærmelser, ikke officielle grænser.',
    mapA: 'Kort, venstre side',
    mapB: 'Kort, højre side',
    mapOverlay: 'Kort over ændringer',
    persons: 'personer',
    ha: 'ha',
    marker: 'Valgt adresse',
    clickHint: 'Klik på et område for at se detaljer.',
    partOf: (title) => `Indgår i ${title}`,
    designatedByList: (list, status, whole) => `Udpeget via statens liste: ${list} (${status}) – indgår i ${whole}`,
    onList: (list) => `via ${list}`,
  },
  en: {
    appTitle: 'Kvarter – vulnerable urban areas in Copenhagen',
    appShort: 'Kvarter',
    tagline: 'Compare the designations of udsatte byområder',
    modeLabel: 'View',
    modeSwipe: 'Swipe',
    modeSide: 'Side by side',
    modeOverlay: 'Changes',
    from: 'From',
    to: 'To',
    yearsLabel: 'Years',
    langSwitch: 'Dansk',
    langSwitchLabel: 'Skift til dansk',
    searchLabel: 'Search an address or place',
    searchPlaceholder: 'Search address, street or place …',
    searchNone: 'No addresses found',
    searchFailed: 'The search failed',
    layersHeading: 'Layers',
    unitsHeading: 'Units',
    stateHeading: 'State lists',
    indicatorHeading: 'Indicator (choropleth)',
    indicatorNone: 'None',
    indicatorOn: 'Coloured on',
    legendHeading: 'Legend',
    baseMap: 'Base map',
    noData: 'No data',
    change: { kept: 'Designated in both years', added: 'Added', removed: 'Removed' },
    changeHeading: 'Change',
    status: { official: 'official', reconstructed: 'reconstructed', imported: 'imported', synthetic: 'synthetic' },
    source: 'Source',
    vintage: 'Vintage',
    licence: 'Licence',
    close: 'Close',
    loading: 'Loading …',
    failed: 'Could not load the data',
    layer: 'Layer',
    area: 'Area',
    parent: 'Part of',
    indicators: 'Indicators',
    indicatorsWithout: 'Indicators without data here',
    period: 'period',
    methodKey: 'Counted for the area itself',
    methodArea: 'Estimate: area-weighted from',
    weightingArea: 'weighted by area',
    weightedBy: 'weighted by',
    membership: 'Designation by year',
    inDesignation: 'designated',
    notDesignated: 'not designated',
    shareOfArea: 'of the area',
    addressHeading: 'The address',
    inYear: (year) => `In ${year}`,
    onDate: (year) => `On 1 January ${year}`,
    yearNote: (year, layerTitle) =>
      `${year}: no map of the 2025–2035 designation has been loaded yet. ${year} therefore shows the designation in force on 1 January ${year}: ${layerTitle}.`,
    yearLabelInForce: (year, layerTitle) => `${year} – in force on 1 January ${year}: ${layerTitle}`,
    noLayerForYear: (year) => `No designation for ${year}`,
    embedHeading: 'Embed in a report',
    copyEmbed: 'Copy embed code',
    copied: 'Copied to the clipboard',
    copyManually: 'Select and copy the code',
    embedCode: 'Embed code',
    print: 'Print',
    downloadPng: 'Download as PNG',
    downloadPdf: 'Download as PDF',
    imageLink: 'Image link (PNG) for Word and PDF',
    copyImage: 'Copy image link',
    about: 'Data and layers',
    dataVersion: 'Data version',
    embedStale: 'The data has been updated since this map was embedded.',
    printed: 'Printed',
    reconstructedNote: 'Hatched areas are reconstructed approximations, not official boundaries.',
    mapA: 'Map, left side',
    mapB: 'Map, right side',
    mapOverlay: 'Map of the changes',
    persons: 'persons',
    ha: 'ha',
    marker: 'Chosen address',
    clickHint: 'Click an area to see its details.',
    partOf: (title) => `Part of ${title}`,
    designatedByList: (list, status, whole) => `Designated through the state list: ${list} (${status}) – part of ${whole}`,
    onList: (list) => `through ${list}`,
  },
};

export const LANGUAGES = ['da', 'en'];

let current = 'da';

/** Sets the language ('da' or 'en'); anything else falls back to Danish. */
export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : 'da';
  document.documentElement.lang = current;
  return current;
}

export function language() {
  return current;
}

/** The word for `key` in the current language (a string, an object or a function). */
export function t(key) {
  return WORDS[current][key];
}

/** A bilingual `{da, en}` text from the API, in the current language. */
export function pick(text) {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return text[current] ?? text.da ?? text.en ?? '';
}

/** A number in the current language's format. */
export function number(value, digits = 0) {
  return new Intl.NumberFormat(current === 'da' ? 'da-DK' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(value);
}

/**
 * The label of `year`'s designation (`choice`, from `Catalogue.designationFor`): "2011 – title",
 * for a layer shown because it was in force on 1 January "2025 – in force on 1 January 2025:
 * title", and "No designation for 2005" when there is none.
 */
export function yearLabel(choice, year = choice?.year) {
  if (!choice) return t('noLayerForYear')(year);
  const title = pick(choice.layer.title);
  return choice.inForceOn ? t('yearLabelInForce')(choice.year, title) : `${choice.year} – ${title}`;
}

/** The status word (official/reconstructed/imported) in the current language. */
export function statusWord(status) {
  return WORDS[current].status[status] ?? status;
}

/** Adds a page's own words (`{ da: {...}, en: {...} }`) to the shared ones. */
export function addWords(words) {
  for (const lang of LANGUAGES) Object.assign(WORDS[lang], words[lang]);
}

/**
 * Puts the current language's words into the page: the text of every `data-i18n="key"` element
 * and the attributes named by `data-i18n-attr="attribute:key,…"`.
 */
export function translateDocument(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(',')) {
      const [attribute, key] = pair.split(':');
      element.setAttribute(attribute, t(key));
    }
  }
}
