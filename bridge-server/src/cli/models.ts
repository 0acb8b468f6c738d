/** `tsdsr models list`: the models the bridge and CLI can use, and where they were found. */
import { configDir, modelRoots } from '../paths.ts';
import { modelInfo, ModelRegistry } from '../registry.ts';
import { nodeRuntime } from '../runtime.ts';
import { EXIT, parseCommandLine, UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Help text of the command. */
export const MODELS_HELP = `Usage: tsdsr models list [--models <dir>] [--json]

Lists installed models: the shipped ones and those in <config dir>/models.

Options:
      --models <dir>   also look in this directory (repeatable)
      --json           print JSON instead of a table
  -h, --help           show this help`;

const OPTIONS = {
  models: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Runs the command; returns the exit code. */
export async function modelsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(MODELS_HELP);
    return EXIT.ok;
  }
  if (positionals[0] !== 'list' || positionals.length > 1) throw new UsageError('the models command has one subcommand: tsdsr models list');
  const roots = modelRoots(configDir(io.env), values.models ?? []);
  const entries = (await ModelRegistry.scan(roots, nodeRuntime, (m) => io.err(`warning: ${m}`))).list();
  if (values.json) {
    io.out(JSON.stringify({ models: entries.map((e) => ({ ...modelInfo(e.manifest), dir: e.dir })) }, null, 2));
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.err(`no models found; looked in ${roots.join(', ')}`);
    return EXIT.ok;
  }
  const rows = entries.map(({ manifest: m, dir }) => [m.id, m.scales.map((s) => `${s}x`).join(' '), m.colorFix, m.name, dir]);
  for (const line of table([['ID', 'SCALES', 'COLOR FIX', 'NAME', 'DIRECTORY'], ...rows])) io.out(line);
  return EXIT.ok;
}
