// UI strings, fetched once per locale from GET /api/ui and cached. The patterns use only simple
// {name} arguments (anything needing plurals is rendered by the server), so substitution here is
// a small reading of ICU MessageFormat: {arg}, and apostrophe quoting ('' and '{…}').

import { api } from './api.js';

const FALLBACK = 'en';
const catalogs = new Map(); // locale -> Promise<{locale, dir, strings}>

/** The catalog of one locale; the same promise for every caller. */
export function loadCatalog(locale) {
  const key = locale || FALLBACK;
  if (!catalogs.has(key)) {
    const pending = api.ui(key).catch((error) => {
      catalogs.delete(key); // let a later call try again
      throw error;
    });
    catalogs.set(key, pending);
  }
  return catalogs.get(key);
}

/** Splits a pattern into literal strings and {name: arg} parts. */
function parse(pattern) {
  const parts = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "'") {
      const next = pattern[i + 1];
      if (next === "'") {
        literal += "'";
        i++;
      } else if (next === '{' || next === '}') {
        const end = pattern.indexOf("'", i + 1);
        const stop = end === -1 ? pattern.length : end;
        literal += pattern.slice(i + 1, stop);
        i = stop;
      } else {
        literal += c;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1) {
        literal += pattern.slice(i);
        break;
      }
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ name: pattern.slice(i + 1, end).trim() });
      i = end;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

/**
 * A translator bound to one catalog, with English as the fallback for a missing key.
 * A raw key is never shown: a key missing everywhere renders as an empty string.
 */
export class Strings {
  constructor(catalog, fallback) {
    this.locale = catalog.locale;
    this.dir = catalog.dir === 'rtl' ? 'rtl' : 'ltr';
    this.strings = catalog.strings || {};
    this.fallback = fallback && fallback !== catalog ? fallback.strings || {} : {};
  }

  pattern(key) {
    if (Object.hasOwn(this.strings, key)) return this.strings[key];
    if (Object.hasOwn(this.fallback, key)) return this.fallback[key];
    console.warn(`tandem: no UI string for ${key}`);
    return '';
  }

  has(key) {
    return Object.hasOwn(this.strings, key) || Object.hasOwn(this.fallback, key);
  }

  /** Plain text, arguments substituted as given. */
  text(key, args = {}) {
    return parse(this.pattern(key))
      .map((part) => (typeof part === 'string' ? part : String(args[part.name] ?? '')))
      .join('');
  }

  /** A fragment in which each argument is isolated in <bdi> (names may be in any script). */
  nodes(key, args = {}) {
    const fragment = document.createDocumentFragment();
    for (const part of parse(this.pattern(key))) {
      if (typeof part === 'string') {
        fragment.append(part);
      } else {
        const bdi = document.createElement('bdi');
        bdi.textContent = String(args[part.name] ?? '');
        fragment.append(bdi);
      }
    }
    return fragment;
  }

  number(value, options = undefined) {
    try {
      return new Intl.NumberFormat(this.locale, options).format(value);
    } catch {
      return String(value);
    }
  }
}

/** Strings for a locale, with English loaded as the fallback. */
export async function stringsFor(locale) {
  const [catalog, fallback] = await Promise.all([
    loadCatalog(locale),
    loadCatalog(FALLBACK).catch(() => null),
  ]);
  return new Strings(catalog, fallback);
}

/** Fills every [data-i18n] element (text) and [data-i18n-label] element (aria-label) under root. */
export function applyStrings(root, strings) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    const key = element.dataset.i18n;
    if (strings.has(key)) element.textContent = strings.text(key);
  }
  for (const element of root.querySelectorAll('[data-i18n-label]')) {
    const key = element.dataset.i18nLabel;
    if (strings.has(key)) element.setAttribute('aria-label', strings.text(key));
  }
}

/** Number of user-perceived characters (grapheme clusters), as the server counts them. */
export function graphemeCount(text) {
  if (typeof Intl.Segmenter === 'function') {
    let count = 0;
    // eslint-disable-next-line no-unused-vars
    for (const _ of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) count++;
    return count;
  }
  return [...text].length;
}
