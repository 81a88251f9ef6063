import type { FieldDescription, ModuleDescription } from './describe.ts';

/** Columns padded to their widest cell; the last column runs free. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join('').trimEnd()).join('\n');
}

/** `swarmlab modules`: one line per module. */
export function formatModuleList(mods: readonly ModuleDescription[]): string {
  return `${table([['KIND', 'NAME', 'VERSION', 'PACKAGE', 'DESCRIPTION'], ...mods.map((m) => [m.kind, m.name, m.version, `${m.package}@${m.packageVersion}`, m.description])])}\n`;
}

function fieldLines(fields: readonly FieldDescription[], indent: string, prefix = ''): string[] {
  const lines: string[] = [];
  for (const f of fields) {
    const facts = [f.type, f.required ? 'required' : undefined, f.default !== undefined ? `default ${f.default}` : undefined, f.range].filter(Boolean).join(', ');
    lines.push(`${indent}${prefix}${f.path} <${facts}>`);
    if (f.description) lines.push(`${indent}    ${f.description}`);
  }
  return lines;
}

/** `swarmlab modules NAME`, in the manner of `kubectl explain`. */
export function formatModule(m: ModuleDescription): string {
  const lines = [
    `KIND:     ${m.kind}`,
    `NAME:     ${m.name}`,
    `VERSION:  ${m.version}`,
    `PACKAGE:  ${m.package}@${m.packageVersion} (code ${m.codeDigest.slice(0, 12)})`,
    '',
    'DESCRIPTION:',
    `    ${m.description}`,
    '',
    'CONFIG FIELDS:',
    ...(m.config.length ? fieldLines(m.config, '  ') : ['  (none)']),
  ];
  const events = (title: string, list: ModuleDescription['handles']): void => {
    lines.push('', `${title}:`);
    if (list.length === 0) lines.push('  (none declared)');
    for (const e of list) {
      lines.push(`  ${e.type}${e.to ? ` -> ${e.to === 'self' ? 'itself' : `the instance in config field ${e.to}`}` : ''}`, `      ${e.description}`);
      lines.push(...fieldLines(e.payload, '      ', 'payload.'));
    }
  };
  events('EVENTS HANDLED', m.handles);
  events('EVENTS EMITTED', m.emits);
  lines.push('', 'METRICS (columns <instance>.<key> of the metrics trace, metrics.parquet or metrics.csv):');
  if (m.metrics.length === 0) lines.push('  (none declared)');
  for (const x of m.metrics) lines.push(`  ${x.key}`, `      ${x.description}`);
  lines.push('', 'FILES (beside the trace and summary.json):');
  if (m.files.length === 0) lines.push('  (none)');
  for (const f of m.files) lines.push(`  ${f.name}`, `      ${f.description}`);
  return `${lines.join('\n')}\n`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function fieldTable(fields: readonly FieldDescription[]): string[] {
  if (fields.length === 0) return ['No config fields.'];
  return [
    '| Field | Type | Default | Range | Description |',
    '| --- | --- | --- | --- | --- |',
    ...fields.map((f) => `| \`${f.path}\` | ${cell(f.type)}${f.required ? ' (required)' : ''} | ${f.default !== undefined ? `\`${cell(f.default)}\`` : ''} | ${cell(f.range ?? '')} | ${cell(f.description)} |`),
  ];
}

/** The generated reference part of docs/modules.md: every module, by kind then name. */
export function modulesMarkdown(mods: readonly ModuleDescription[]): string {
  const out: string[] = [];
  for (const m of mods) {
    out.push(`### ${m.kind}: \`${m.name}\``, '', `${m.description} Version ${m.version}.`, '', ...fieldTable(m.config), '');
    if (m.handles.length) out.push(`Handles: ${m.handles.map((e) => `\`${e.type}\` (${e.description})`).join('; ')}`, '');
    if (m.emits.length) out.push(`Emits: ${m.emits.map((e) => `\`${e.type}\` to ${e.to === 'self' ? 'itself' : `\`${e.to}\``} (${e.description})`).join('; ')}`, '');
    if (m.metrics.length) out.push(`Metrics: ${m.metrics.map((x) => `\`${x.key}\` (${x.description})`).join('; ')}`, '');
    if (m.files.length) out.push(`Files: ${m.files.map((f) => `\`${f.name}\` (${f.description})`).join('; ')}`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
