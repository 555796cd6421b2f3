import { escapeXml } from '../util/xml-escape.js';

export type ContainerValue = string | number | boolean | undefined | ContainerNode | ContainerNode[];
export interface ContainerNode {
  [key: string]: ContainerValue;
}

/** Clients ask for JSON with `Accept: application/json`; XML is the default, as on a real server. */
export function wantsJson(accept: string | undefined): boolean {
  return (accept ?? '').toLowerCase().includes('application/json');
}

export function renderJson(container: ContainerNode): string {
  return JSON.stringify({ MediaContainer: container });
}

/**
 * The XML form of a MediaContainer: scalar fields become attributes, objects and arrays of objects
 * become child elements named by their key (`Directory`, `Video`, `Activity`, `Context`, ...).
 */
export function renderXml(container: ContainerNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element('MediaContainer', container, '')}\n`;
}

/**
 * JSON says `Metadata` for every item; XML names the element by kind, as python-plexapi expects
 * (`Video` for movies and episodes, `Directory` for shows).
 */
function xmlElementName(key: string, node: ContainerNode): string {
  if (key !== 'Metadata') return key;
  if (node['type'] === 'movie' || node['type'] === 'episode') return 'Video';
  if (node['type'] === 'show' || node['type'] === 'season') return 'Directory';
  return key;
}

function element(name: string, node: ContainerNode, indent: string): string {
  const attributes: string[] = [];
  const children: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const child of value) children.push(element(xmlElementName(key, child), child, `${indent}  `));
    } else if (typeof value === 'object') {
      children.push(element(key, value, `${indent}  `));
    } else {
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
      attributes.push(` ${key}="${escapeXml(text)}"`);
    }
  }
  if (children.length === 0) return `${indent}<${name}${attributes.join('')} />`;
  return `${indent}<${name}${attributes.join('')}>\n${children.join('\n')}\n${indent}</${name}>`;
}
