/**
 * A tiny XML element model and serialiser for the libvirt documents labbench writes (network,
 * domain). Values are always escaped, so names from stack config cannot break the document.
 */

/** One XML element: tag, attributes (undefined ones are left out) and children. */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string | number | undefined>;
  children: (XmlElement | string)[];
}

/** Builds an element; `false`/`undefined` children are dropped so optional parts read inline. */
export function el(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: (XmlElement | string | false | undefined)[]): XmlElement {
  return { tag, attrs, children: children.filter((c): c is XmlElement | string => c !== false && c !== undefined) };
}

/** Escapes text for use in element content or a single-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Serialises an element, two spaces per level; text-only elements stay on one line. */
export function renderXml(node: XmlElement, depth = 0): string {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(node.attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}='${escapeXml(String(v))}'`)
    .join('');
  if (node.children.length === 0) return `${pad}<${node.tag}${attrs}/>`;
  if (node.children.every((c) => typeof c === 'string')) {
    return `${pad}<${node.tag}${attrs}>${node.children.map((c) => escapeXml(c as string)).join('')}</${node.tag}>`;
  }
  const inner = node.children.map((c) => (typeof c === 'string' ? `${pad}  ${escapeXml(c)}` : renderXml(c, depth + 1)));
  return [`${pad}<${node.tag}${attrs}>`, ...inner, `${pad}</${node.tag}>`].join('\n');
}
