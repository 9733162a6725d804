// Owns generating docs/configuration.md from the config schema, so the docs cannot drift from the code.
import { type ConfigField, type FieldSchema, listConfigFields } from './config-fields.js';
import { ConfigSchema } from './config-schema.js';

const GENERAL = 'General';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function showDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '`[]`' : `\`${value.join(',')}\``;
  if (value === '') return '*(empty)*';
  if (typeof value === 'object' && value !== null) return `\`${JSON.stringify(value)}\``;
  return `\`${String(value)}\``;
}

function yamlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
  if (typeof value === 'string' || (typeof value === 'object' && value !== null))
    return JSON.stringify(value);
  return String(value);
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

function groupBySection(fields: readonly ConfigField[]): Map<string, ConfigField[]> {
  const groups = new Map<string, ConfigField[]>();
  for (const field of fields) {
    const section = field.path.length > 1 ? field.path[0]! : GENERAL;
    const list = groups.get(section) ?? [];
    list.push(field);
    groups.set(section, list);
  }
  return groups;
}

function sectionDescription(section: string): string {
  const properties = (ConfigSchema as FieldSchema).properties ?? {};
  return properties[section]?.description ?? 'Settings at the top level.';
}

function table(fields: readonly ConfigField[]): string[] {
  const lines = [
    '| Key | Environment variable | Type / range | Default | Description |',
    '|---|---|---|---|---|',
  ];
  for (const field of fields) {
    lines.push(
      `| \`${field.key}\` | ${field.env === '' ? '—' : `\`${field.env}\``} | ${cell(field.expected)} | ${cell(showDefault(field.schema.default))} | ` +
        `${cell(field.schema.description ?? '')} |`,
    );
  }
  return lines;
}

function exampleYaml(fields: readonly ConfigField[]): string[] {
  const lines: string[] = [];
  let openSection: readonly string[] = [];
  for (const field of fields) {
    const parents = field.path.slice(0, -1);
    let shared = 0;
    while (shared < parents.length && parents[shared] === openSection[shared]) shared++;
    for (let depth = shared; depth < parents.length; depth++) {
      lines.push(`${'  '.repeat(depth)}${parents[depth]}:`);
    }
    openSection = parents;
    const indent = '  '.repeat(parents.length);
    lines.push(`${indent}# ${firstSentence(field.schema.description ?? '')}`);
    lines.push(`${indent}${field.path[field.path.length - 1]}: ${yamlValue(field.schema.default)}`);
  }
  return lines;
}

/** The full text of docs/configuration.md for the current schema. */
export function generateConfigDocs(): string {
  const fields = listConfigFields();
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/config-schema.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Assent reads its settings in this order, each source overriding the one before:',
    '',
    '1. the defaults below;',
    '2. a YAML file: the one named on the command line or in `ASSENT_CONFIG`, else `assent.yaml` in the working',
    '   directory when it exists;',
    '3. `ASSENT_*` environment variables (lists are comma-separated; `off` turns a port off);',
    '4. command-line flags.',
    '',
    'Unknown keys and unknown `ASSENT_*` variables are errors, so a typo never goes unnoticed. Every error names',
    'the key, its environment variable, what was expected and what arrived. Relative paths are resolved against',
    'the working directory. `assent config check` runs the same validation without starting the server.',
    'Two `ASSENT_*` variables are not settings: `ASSENT_CONFIG` (above) and `ASSENT_FROM_SOURCE=1`, which makes',
    '`bin/assent.js` run `src/` through tsx even when `build/` is current (README, "Project layout").',
    '',
  ];
  for (const [section, list] of groupBySection(fields)) {
    out.push(`## ${section === GENERAL ? GENERAL : `\`${section}\``}`, '', sectionDescription(section), '');
    out.push(...table(list), '');
  }
  out.push('## Example `assent.yaml`', '', 'Every setting at its default:', '', '```yaml');
  out.push(...exampleYaml(fields), '```', '');
  return out.join('\n');
}
