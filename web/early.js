// This browser's look, applied before the first paint. A classic script in <head> runs before
// <body> is parsed, so nobody who chose dark sees a flash of light, and larger text doesn't jump.
// It only reads: prefs.js owns these settings (same storage key and values) and applies them
// again once the modules load.
(function applyEarly() {
  'use strict';
  var prefs = {};
  try {
    prefs = JSON.parse(window.localStorage.getItem('tandem.prefs') || '{}') || {};
  } catch (error) {
    prefs = {}; // storage switched off or unreadable: the defaults are fine
  }
  var root = document.documentElement;
  if (prefs.theme === 'light' || prefs.theme === 'dark') root.dataset.theme = prefs.theme;
  if (prefs.textSize === 'large' || prefs.textSize === 'larger') root.classList.add('text-' + prefs.textSize);
  if (typeof prefs.locale === 'string' && prefs.locale) {
    root.lang = prefs.locale;
    root.dir = prefs.dir === 'rtl' ? 'rtl' : 'ltr';
  }
}());
