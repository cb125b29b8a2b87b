import { parseArgs } from '../args'
import type { CliCommand, CliIO } from '../command'

/** Runs one CLI command in-process with `env`, capturing what it prints (for specs). */
export async function runCommand(
  command: CliCommand,
  argv: string[],
  env: NodeJS.ProcessEnv,
  interrupted: Promise<void> = new Promise(() => {}),
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const io: CliIO = { out: (s) => out.push(s), err: (s) => err.push(s), env, interrupted }
  const code = await command.run(parseArgs(argv, command.options), io)
  return { code, out: out.join('\n'), err: err.join('\n') }
}
