import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml'
import type { z } from 'zod'
import type { ManifestIssue } from '../../../src-shared/contract'
import { ManifestSchema, type Manifest } from './schema'

export interface ParsedManifest {
  manifest: Manifest | null
  issues: ManifestIssue[]
}

const MAX_TEXT = 1 << 20

/**
 * Parses and validates manifest text. Never throws: every problem is an
 * issue with its dotted path and, where the YAML has one, line and column.
 */
export function parseManifest(text: string): ParsedManifest {
  if (text.length > MAX_TEXT)
    return fail({
      path: '(root)',
      message: 'the manifest is larger than 1 MiB',
      line: null,
      column: null,
    })
  const lines = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
    })
  } catch (e) {
    return fail({
      path: '(root)',
      message: `not valid YAML: ${(e as Error).message}`,
      line: null,
      column: null,
    })
  }
  if (doc.errors.length) {
    return {
      manifest: null,
      issues: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0])
        return {
          path: '(yaml)',
          message: firstLine(e.message),
          line: pos?.line ?? null,
          column: pos?.col ?? null,
        }
      }),
    }
  }
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: 100 })
  } catch (e) {
    return fail(
      unresolvedAlias(doc, lines) ?? {
        path: '(root)',
        message: firstLine((e as Error).message),
        line: null,
        column: null,
      },
    )
  }
  if (raw === null || raw === undefined) {
    return fail({
      path: '(root)',
      message: 'the manifest is empty: it needs an `agents:` map',
      line: 1,
      column: 1,
    })
  }
  const parsed = ManifestSchema.safeParse(raw, { reportInput: true })
  if (parsed.success) return { manifest: parsed.data, issues: [] }
  return { manifest: null, issues: parsed.error.issues.flatMap((i) => toIssues(i, doc, lines)) }
}

/** `- *.example.com` is a YAML alias, not text: point at it and say how to write the rule. */
function unresolvedAlias(doc: Document.Parsed, lines: LineCounter): ManifestIssue | null {
  const anchors = new Set<string>()
  let found: ManifestIssue | null = null
  visit(doc, {
    Node(_key, node) {
      if (node.anchor) anchors.add(node.anchor)
    },
    Alias(_key, node) {
      if (found || anchors.has(node.source) || !node.range) return
      const pos = lines.linePos(node.range[0])
      found = {
        path: '(yaml)',
        message: `*${node.source} is read as a YAML alias; quote it to write a wildcard rule: "*${node.source}"`,
        line: pos.line,
        column: pos.col,
      }
      return visit.BREAK
    },
  })
  return found
}

function fail(issue: ManifestIssue): ParsedManifest {
  return { manifest: null, issues: [issue] }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s
}

type ZodIssue = z.core.$ZodIssue

function toIssues(issue: ZodIssue, doc: Document.Parsed, lines: LineCounter): ManifestIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) =>
      at(doc, lines, [...path, key], true, `unknown key “${key}”${hint(path, key)}`),
    )
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? 'invalid name'
    return [at(doc, lines, path, true, `invalid name: ${inner}`)]
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    const parent = path.slice(0, -1)
    return [at(doc, lines, parent, false, `“${String(path[path.length - 1])}” is required`, path)]
  }
  return [at(doc, lines, path, false, message(issue))]
}

function message(issue: ZodIssue): string {
  if (issue.code === 'invalid_type')
    return `expected ${issue.expected}, got ${describe(issue.input)}`
  return issue.message.replace(/^Invalid input: /, '')
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a map'
  // Text is never echoed: it may be a secret written in the wrong place.
  return typeof v === 'string' ? 'text' : `${typeof v} ${String(v)}`
}

const KNOWN_AGENT_KEYS = [
  'description',
  'image',
  'env',
  'egress',
  'git',
  'supervise',
  'cpus',
  'memory',
  'volumes',
  'workdir',
  'setup',
  'session',
]

function hint(path: (string | number)[], key: string): string {
  if (path.length !== 2 || path[0] !== 'agents') return ''
  const close = KNOWN_AGENT_KEYS.find((k) => k.startsWith(key.slice(0, 3).toLowerCase()))
  return close ? ` (did you mean “${close}”?)` : ` (known keys: ${KNOWN_AGENT_KEYS.join(', ')})`
}

/** An issue at `path`, positioned at its node (or its key), or at the closest ancestor that exists. */
function at(
  doc: Document.Parsed,
  lines: LineCounter,
  path: (string | number)[],
  wantKey: boolean,
  msg: string,
  shownPath: (string | number)[] = path,
): ManifestIssue {
  const node = locate(doc, path, wantKey)
  const pos = node?.range ? lines.linePos(node.range[0]) : null
  return {
    path: shownPath.length ? shownPath.join('.') : '(root)',
    message: msg,
    line: pos?.line ?? null,
    column: pos?.col ?? null,
  }
}

function locate(doc: Document.Parsed, path: (string | number)[], wantKey: boolean): Node | null {
  let node: unknown = doc.contents
  let best: Node | null = (doc.contents as Node | null) ?? null
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      )
      if (!pair) return best
      if (last && wantKey) return (pair.key as Node) ?? best
      node = pair.value ?? pair.key
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg]
      if (node === undefined) return best
    } else {
      return best
    }
    if (node && typeof node === 'object' && 'range' in node) best = node as Node
  }
  return best
}
