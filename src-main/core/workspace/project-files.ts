import { lstat, readdir, readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import ignore, { type Ignore } from 'ignore'
import type { CommandRunner } from '../base/exec'

/**
 * The files of a project folder that belong in a bottle, relative to it:
 * what git would commit (tracked plus untracked-but-not-ignored) in a git
 * work tree, else everything the folder's .gitignore files let through.
 * `.git` itself is never included.
 */
export async function listProjectFiles(
  dir: string,
  runner: CommandRunner,
  signal?: AbortSignal,
): Promise<string[]> {
  const fromGit = await gitFiles(dir, runner, signal)
  return fromGit ?? walkWithGitignore(dir, signal)
}

async function gitFiles(
  dir: string,
  runner: CommandRunner,
  signal?: AbortSignal,
): Promise<string[] | null> {
  const probe = await runner.run({
    file: 'git',
    args: ['-C', dir, 'rev-parse', '--is-inside-work-tree'],
    timeoutMs: 15_000,
    signal,
  })
  if (probe.exitCode !== 0 || probe.stdout.trim() !== 'true') return null
  const r = await runner.runOk(
    {
      file: 'git',
      args: ['-C', dir, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
      timeoutMs: 120_000,
      signal,
    },
    `git ls-files in ${dir}`,
  )
  const listed = r.stdout.split('\0').filter(Boolean)
  // --cached lists files deleted from the work tree but not from the index.
  const present = await Promise.all(
    listed.map((f) =>
      lstat(join(dir, f)).then(
        () => true,
        () => false,
      ),
    ),
  )
  return listed.filter((_, i) => present[i])
}

interface Rules {
  /** The folder the .gitignore sits in, relative to the project ('' for the root). */
  base: string
  ig: Ignore
}

async function walkWithGitignore(root: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = []
  const visit = async (rel: string, inherited: Rules[]): Promise<void> => {
    signal?.throwIfAborted()
    const abs = join(root, rel)
    const rules = [...inherited]
    const gitignore = await readFile(join(abs, '.gitignore'), 'utf8').catch(() => null)
    if (gitignore !== null) rules.push({ base: rel, ig: ignore().add(gitignore) })
    const entries = await readdir(abs, { withFileTypes: true })
    entries.sort((a, b) => a.name.localeCompare(b.name))
    for (const e of entries) {
      if (e.name === '.git') continue
      const path = rel ? posix.join(rel, e.name) : e.name
      const isDir = e.isDirectory()
      if (isIgnored(rules, path, isDir)) continue
      if (isDir) await visit(path, rules)
      else out.push(path)
    }
  }
  await visit('', [])
  return out
}

/** Git's precedence: the deepest .gitignore with a matching pattern (ignore or `!` re-include) decides. */
function isIgnored(rules: readonly Rules[], path: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const { base, ig } = rules[i] as Rules
    const rel = base ? posix.relative(base, path) : path
    const verdict = ig.test(isDir ? `${rel}/` : rel)
    if (verdict.ignored) return true
    if (verdict.unignored) return false
  }
  return false
}
