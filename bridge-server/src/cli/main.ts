/** The `tsdsr` command line: dispatches to a command and turns failures into messages and exit codes. */
import { SERVER_VERSION } from '../paths.ts';
import { EXIT, UsageError } from './args.ts';
import { processIO, type CliIO } from './io.ts';

/** Help text of the whole CLI. */
export const MAIN_HELP = `Usage: tsdsr <command> [options]

Commands:
  serve                     run the local bridge for the Figma plugin and scripts
  worker --queue <url>      run jobs of team bridges from their Redis queue (see docs/team.md)
  service install|...       run the bridge as a login service (systemd, launchd, Windows task; see docs/service.md)
  status                    ask the running bridge how it is (version, uptime, models, queue, last error)
  upscale <files...> -o X   upscale images on this machine (no server needed)
  models list               list installed models
  models import ...         build a TSD-SR model from SD3 and TSD-SR downloads
  train vae|teacher|tsd     train the small family and distil a one-step model (see docs/training.md)
  train recipe <file>       run a training recipe: vae, teacher and tsd with resume
  token                     print the pairing token
  token add|list|revoke     per-user tokens for a bridge shared by a team (see docs/security.md)

Options:
  -h, --help                show help (also: tsdsr <command> --help)
  -v, --version             print the version

Exit codes: 0 success, 1 failure, 2 usage error.`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = Object.freeze({
  serve: async () => (await import('./serve.ts')).serveCommand,
  worker: async () => (await import('./worker.ts')).workerCommand,
  service: async () => (await import('./service.ts')).serviceCommand,
  status: async () => (await import('./status.ts')).statusCommand,
  upscale: async () => (await import('./upscale.ts')).upscaleCommand,
  models: async () => (await import('./models.ts')).modelsCommand,
  token: async () => (await import('./token.ts')).tokenCommand,
  train: async () => (await import('./train.ts')).trainCommand,
});

/** Runs the CLI with the given arguments (without `node` and the script); resolves with the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? io.err : io.out)(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '-v' || name === '--version') {
    io.out(SERVER_VERSION);
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`tsdsr: unknown command '${name}'; run \`tsdsr --help\` for the list`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tsdsr ${name}: ${err.message}\nRun \`tsdsr ${name} --help\` for usage.`);
      return EXIT.usage;
    }
    io.err(`tsdsr ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  }
}
