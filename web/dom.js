// The smallest DOM helpers, shared by the builders. Text is always set with textContent.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && !key.startsWith('aria')) node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/** A small padlock drawn inline (no image request), hidden from assistive technology. */
export function lockIcon() {
  const icon = svg('svg', { viewBox: '0 0 16 16', class: 'icon icon-lock', 'aria-hidden': 'true', focusable: 'false' });
  icon.append(
    svg('path', { d: 'M5 7V5a3 3 0 0 1 6 0v2', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.6',
      'stroke-linecap': 'round' }),
    svg('rect', { x: '3', y: '7', width: '10', height: '8', rx: '1.6', fill: 'currentColor' }));
  return icon;
}
