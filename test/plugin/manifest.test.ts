// manifest.json against the fields Figma documents for plugin manifests, and plugin/dist against what the manifest names.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BRIDGE_URL, webSocketUrl } from '../../plugin/src/settings.ts';
import { PLUGIN_VERSION } from '../../plugin/src/version.ts';
import { ensurePluginBuilt } from '../helpers/figma-dist.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8')) as Record<string, unknown>;

/** Top-level fields Figma's manifest documentation lists. */
const KNOWN_FIELDS = new Set([
  'name', 'id', 'api', 'main', 'ui', 'editorType', 'documentAccess', 'networkAccess', 'parameters', 'parameterOnly', 'menu',
  'relaunchButtons', 'enableProposedApi', 'enablePrivatePluginApi', 'build', 'permissions', 'capabilities', 'codegenLanguages',
  'codegenPreferences',
]);
const EDITOR_TYPES = new Set(['figma', 'figjam', 'dev', 'slides', 'buzz']);
/** A domain entry as Figma accepts it: `*`, `none`, or an optional scheme, a host (wildcard subdomain allowed), a port and a path. */
const DOMAIN = /^(\*|none|((https?|wss?):\/\/)?(\*\.)?[a-z0-9.-]+(:\d{1,5})?(\/[^\s]*)?)$/i;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The origin part of a URL as a manifest entry names it (`ws://127.0.0.1:8731/v1/ws` → `ws://127.0.0.1:8731`). */
function origin(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

describe('manifest.json', () => {
  it('uses only fields Figma documents, with valid values', () => {
    expect(Object.keys(manifest).filter((k) => !KNOWN_FIELDS.has(k))).toEqual([]);
    expect(manifest).toMatchObject({ name: 'tsdsr upscaler', api: '1.0.0', main: 'plugin/dist/code.js', ui: 'plugin/dist/ui.html', documentAccess: 'dynamic-page' });
    // The development placeholder, or the id Figma assigned (a long number; plugin/README.md, "The manifest id").
    expect(manifest.id).toMatch(/^(tsdsr-upscaler|\d{10,25})$/);
    expect(isStringArray(manifest.editorType) && manifest.editorType.length > 0 && manifest.editorType.every((t) => EDITOR_TYPES.has(t))).toBe(true);
    expect(manifest.editorType).toEqual(['figma']);
  });

  it('allows exactly the bridge on localhost, with reasoning, in networkAccess', () => {
    const access = manifest.networkAccess as Record<string, unknown>;
    expect(Object.keys(access).sort()).toEqual(['allowedDomains', 'devAllowedDomains', 'reasoning']);
    expect(typeof access.reasoning === 'string' && access.reasoning.length > 20).toBe(true);
    for (const key of ['allowedDomains', 'devAllowedDomains']) {
      const domains = access[key];
      expect(isStringArray(domains), key).toBe(true);
      for (const domain of domains as string[]) expect(domain, key).toMatch(DOMAIN);
    }
    const bridgeOrigins = ['http://127.0.0.1:8731', 'ws://127.0.0.1:8731', 'http://localhost:8731', 'ws://localhost:8731'];
    expect([...(access.allowedDomains as string[])].sort()).toEqual([...bridgeOrigins].sort());
    expect(access.allowedDomains).toContain(origin(DEFAULT_BRIDGE_URL));
    expect(access.allowedDomains).toContain(origin(webSocketUrl(DEFAULT_BRIDGE_URL)));
  });
});

describe('what a reviewer reads', () => {
  const readme = readFileSync(path.join(root, 'plugin/README.md'), 'utf8');
  const changelog = readFileSync(path.join(root, 'plugin/CHANGELOG.md'), 'utf8');

  it('plugin/README.md says what the plugin does, why it reaches localhost, and how to start the bridge and pair', () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('For reviewers')) ?? '';
    expect(section).toMatch(/What it does/);
    expect(section).toMatch(/localhost/);
    for (const domain of (manifest.networkAccess as { allowedDomains: string[] }).allowedDomains) expect(section).toContain(new URL(domain).host);
    expect(section).toContain('npx tsdsr serve');
    expect(section).toContain('npx tsdsr token');
  });

  it('plugin/README.md says how to put the id Figma assigns into manifest.json', () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('The manifest `id`')) ?? '';
    expect(section).toMatch(/New plugin/);
    expect(section).toContain(String(manifest.id));
  });

  it('networkAccess.reasoning says what the network is for and that it stays on the computer', () => {
    const reasoning = String((manifest.networkAccess as { reasoning: string }).reasoning);
    expect(reasoning).toMatch(/bridge/);
    expect(reasoning).toMatch(/own computer/);
    expect(reasoning).toMatch(/Nothing leaves the machine/);
  });

  it('plugin/CHANGELOG.md has an Unreleased section, with Placement, then the current version', () => {
    const headings = [...changelog.matchAll(/^##+ (.+)$/gm)].map((m) => m[1]);
    expect(headings[0]).toBe('Unreleased');
    expect(headings).toContain('Placement');
    expect(headings).toContain(PLUGIN_VERSION);
  });
});

describe('plugin/dist', () => {
  beforeAll(async () => {
    await ensurePluginBuilt();
  });

  it('holds exactly the files the manifest names', () => {
    const named = [manifest.main, manifest.ui].map((file) => path.relative('plugin/dist', String(file))).sort();
    expect(readdirSync(path.join(root, 'plugin/dist')).sort()).toEqual(named);
  });

  it('ships a sandbox script without module syntax or browser globals, and a self-contained UI page', () => {
    const code = readFileSync(path.join(root, String(manifest.main)), 'utf8');
    expect(code).not.toMatch(/\bimport\s*\(|\bimport\.meta\b|^\s*(import|export)\s/m);
    expect(code).not.toMatch(/\b(document|window|localStorage)\./);
    const ui = readFileSync(path.join(root, String(manifest.ui)), 'utf8');
    expect(ui).toMatch(/<style>[^<]+<\/style>/);
    expect(ui).toMatch(/<script>[\s\S]+<\/script>/);
    expect(ui).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});
