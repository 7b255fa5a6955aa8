/**
 * @module The one config loader. Resolution order, later wins:
 * schema defaults < conf/config.yaml < the group presets it (or `group=preset`) selects
 * < DFP_* environment variables < key=value arguments.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';
import { DfpError } from '../errors.ts';
import { parseOverride } from './overrides.ts';
import { CONFIG_GROUPS, type ConfigGroup, type DfpConfig, configSchema } from './schema.ts';

type Tree = Record<string, unknown>;

export interface LoadOptions {
  /** `key=value` overrides and `group=preset` choices, as typed on the command line (see overrides.ts). */
  overrides?: string[];
  env?: NodeJS.ProcessEnv;
  /** Folder of presets; defaults to DFP_CONF_DIR or the conf/ folder shipped with dfp. */
  confDir?: string;
  /** Base for a relative workspace path. */
  cwd?: string;
}

export interface LoadedConfig {
  config: DfpConfig;
  /** Which preset each group resolved to. */
  presets: Record<ConfigGroup, string>;
  /** Where each override came from, for `dfp config show`. */
  sources: string[];
}

export const DEFAULT_CONF_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../conf');

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const confDir = opts.confDir ?? env.DFP_CONF_DIR ?? DEFAULT_CONF_DIR;
  const sources: string[] = [];
  const base = readYaml(join(confDir, 'config.yaml'));
  const defaults = (base.defaults ?? {}) as Record<string, string>;
  delete base.defaults;
  sources.push(join(confDir, 'config.yaml'));

  const { choices, keyOverrides } = splitOverrides(opts.overrides ?? []);
  const presets = {} as Record<ConfigGroup, string>;
  let tree: Tree = base;
  for (const group of CONFIG_GROUPS) {
    const preset = choices[group] ?? defaults[group];
    if (!preset) continue;
    // conf/config.yaml's defaults obey the same rule as arguments: a plain name inside conf/<group>/.
    if (choices[group] === undefined) parseOverride(`${group}=${String(preset)}`);
    const file = join(confDir, group, `${preset}.yaml`);
    if (!existsSync(file)) {
      throw new DfpError('CONFIG_INVALID', `unknown ${group} preset '${preset}'; allowed: ${listPresets(confDir, group).join(', ')}`, {
        key: group,
        allowed: listPresets(confDir, group),
      });
    }
    presets[group] = preset;
    tree = deepMerge(tree, readYaml(file));
    sources.push(file);
  }

  for (const [key, value, from, label] of [...envOverrides(env), ...keyOverrides]) {
    if (value === '') {
      const empty = emptyMeans(key);
      if (empty === 'error') {
        throw new DfpError('CONFIG_INVALID', `config key '${key}' must not be empty (${label}); give it a value or leave it out for the default`, { key, source: from });
      }
      if (empty === 'unset') {
        unsetPath(tree, key);
        sources.push(from);
        continue;
      }
    }
    setPath(tree, key, value);
    sources.push(from);
  }

  const parsed = configSchema.safeParse(tree, { reportInput: true });
  if (!parsed.success) throw configError(parsed.error);
  const config = parsed.data;
  config.workspace = resolve(opts.cwd ?? process.cwd(), config.workspace);
  return { config, presets, sources };
}

/** key, value, where it came from (for `dfp config show`), and how an error names it. */
type Setting = [key: string, value: unknown, source: string, label: string];

function splitOverrides(args: string[]): { choices: Partial<Record<ConfigGroup, string>>; keyOverrides: Setting[] } {
  const choices: Partial<Record<ConfigGroup, string>> = {};
  const keyOverrides: Setting[] = [];
  for (const arg of args) {
    const o = parseOverride(arg);
    if (o.kind === 'preset') choices[o.group] = o.preset;
    else keyOverrides.push([o.key, parseScalar(o.raw), `arg ${o.key}`, `argument '${o.arg}'`]);
  }
  return { choices, keyOverrides };
}

/** DFP_HOME is the workspace; DFP_SECTION__KEY (double underscore between levels) sets section.key. */
function envOverrides(env: NodeJS.ProcessEnv): Setting[] {
  const out: Setting[] = [];
  // An empty DFP_HOME is "not set", as shells treat it; the workspace is never the current directory by accident.
  if (env.DFP_HOME) out.push(['workspace', env.DFP_HOME, 'env workspace', 'DFP_HOME']);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('DFP_') || !name.includes('__') || value === undefined) continue;
    const key = name.slice(4).toLowerCase().split('__').join('.');
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/.test(key)) {
      throw new DfpError('CONFIG_INVALID', `environment variable ${name} does not name a config key: use DFP_SECTION__KEY with letters, digits and _ (e.g. DFP_TRAIN__EPOCHS=5)`, { variable: name });
    }
    out.push([key, parseScalar(value), `env ${key}`, `environment variable ${name}`]);
  }
  return out;
}

/** Values are YAML scalars, so `5` is a number, `true` a boolean and `[a,b]` a list. */
function parseScalar(raw: string): unknown {
  if (raw === '') return '';
  try {
    return YAML.parse(raw);
  } catch {
    return raw;
  }
}

function readYaml(file: string): Tree {
  if (!existsSync(file)) return {};
  try {
    const doc = YAML.parse(readFileSync(file, 'utf8')) as unknown;
    return doc && typeof doc === 'object' ? (doc as Tree) : {};
  } catch (e) {
    throw new DfpError('CONFIG_INVALID', `${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
}

function listPresets(confDir: string, group: string): string[] {
  const dir = join(confDir, group);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/**
 * What an empty value means for a key: '' itself where the schema's default is '' (tracking.uri: embedded),
 * "unset" for an optional key (lake.s3.endpoint: AWS itself), and an error everywhere else (`workspace=`
 * would otherwise put the workspace in the current directory).
 */
function emptyMeans(key: string): 'empty' | 'unset' | 'error' {
  let node: z.ZodType = configSchema;
  for (const part of key.split('.')) {
    node = unwrap(node);
    if (!(node instanceof z.ZodObject)) return 'error';
    const next = (node.shape as Record<string, z.ZodType | undefined>)[part];
    if (!next) return 'error';
    node = next;
  }
  for (let n = node; ; ) {
    if (n instanceof z.ZodOptional) return 'unset';
    if (n instanceof z.ZodDefault) {
      if ((n.def as { defaultValue: unknown }).defaultValue === '') return 'empty';
      n = n.unwrap() as z.ZodType;
    } else if (n instanceof z.ZodPrefault) n = n.unwrap() as z.ZodType;
    else return 'error';
  }
}

function unsetPath(tree: Tree, key: string): void {
  const parts = key.split('.');
  let node: unknown = tree;
  for (const part of parts.slice(0, -1)) {
    node = (node as Tree | undefined)?.[part];
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
  }
  delete (node as Tree)[parts[parts.length - 1]!];
}

function setPath(tree: Tree, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

export function deepMerge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Tree, v as Tree)
        : v;
  }
  return out;
}

/** Turns a schema failure into one message naming each bad key and what it accepts. */
function configError(error: z.ZodError): DfpError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
      return `unknown config key ${keys.map((k) => `'${k}'`).join(', ')}; known keys${path ? ` under '${path}'` : ''}: ${knownKeys(issue.path).join(', ')}`;
    }
    if (issue.code === 'invalid_value') {
      return `config key '${path}': invalid value ${JSON.stringify(issue.input)}; allowed: ${issue.values.map(String).join(', ')}`;
    }
    return `config key '${path}': ${issue.message}`;
  });
  return new DfpError('CONFIG_INVALID', problems.join('; '), { issues: error.issues.map((i) => ({ key: i.path.join('.'), message: i.message })) });
}

function knownKeys(path: PropertyKey[]): string[] {
  let node: z.ZodType = configSchema;
  for (const part of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(part)] ?? node;
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape).sort() : [];
}

function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  while (n instanceof z.ZodDefault || n instanceof z.ZodPrefault || n instanceof z.ZodOptional) n = n.unwrap() as z.ZodType;
  return n;
}
