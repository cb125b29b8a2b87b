import type { OptionSpec, ParsedArgs } from './args'

/** One `bot-bottle <name>` command. */
export interface CliCommand {
  name: string
  summary: string
  usage: string
  options: Record<string, OptionSpec>
  /** Returns the process exit code. */
  run(args: ParsedArgs, io: CliIO): Promise<number>
}

export interface CliIO {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
  /** Resolves when the user presses Ctrl-C (long-running commands). */
  interrupted: Promise<void>
}

/** `--json` is on every command that prints results. */
export const jsonOption: Record<string, OptionSpec> = { json: { type: 'boolean' } }
