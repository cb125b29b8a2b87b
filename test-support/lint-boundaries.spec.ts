import { ESLint } from 'eslint'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Proves the layer boundaries fail the lint: each case lints a snippet as if
 * it lived at the given path and expects the boundary rules to fire.
 */
const eslint = new ESLint({ cwd: join(__dirname, '..') })

async function restrictedImports(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(__dirname, '..', filePath) })
  return (result?.messages ?? [])
    .filter(
      (m) =>
        m.ruleId === 'no-restricted-imports' ||
        m.ruleId === 'no-restricted-syntax' ||
        m.ruleId === 'no-restricted-globals',
    )
    .map((m) => m.message)
}

describe('lint boundaries', () => {
  it.each([
    [
      'core importing electron',
      "import { app } from 'electron'\nexport const x = app\n",
      'src-main/core/fixture.ts',
    ],
    [
      'core importing the electron adapters',
      "import { x } from '../electron/tray'\nexport const y = x\n",
      'src-main/core/fixture.ts',
    ],
    [
      'core importing react',
      "import React from 'react'\nexport const y = React\n",
      'src-main/core/bottles/fixture.ts',
    ],
    [
      'core importing the rpc layer',
      "import { RpcServer } from '../rpc/server'\nexport const y = RpcServer\n",
      'src-main/core/fixture.ts',
    ],
    [
      'rpc importing electron',
      "import { ipcMain } from 'electron'\nexport const y = ipcMain\n",
      'src-main/rpc/fixture.ts',
    ],
    [
      'shell importing electron',
      "import type { Tray } from 'electron'\nexport type T = Tray\n",
      'src-main/shell/fixture.ts',
    ],
    [
      'renderer importing a Node builtin',
      "import { readFileSync } from 'node:fs'\nexport const y = readFileSync\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer importing fs',
      "import fs from 'fs'\nexport const y = fs\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer importing main code',
      "import { x } from '../../src-main/core/backend'\nexport const y = x\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer importing electron',
      "import { ipcRenderer } from 'electron'\nexport const y = ipcRenderer\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'shared importing a Node builtin',
      "import { join } from 'node:path'\nexport const y = join\n",
      'src-shared/fixture.ts',
    ],
    [
      'shared importing main code',
      "import { x } from '../src-main/core/backend'\nexport const y = x\n",
      'src-shared/fixture.ts',
    ],
    [
      'core importing electron dynamically',
      "export const load = () => import('electron')\n",
      'src-main/core/fixture.ts',
    ],
    [
      'core requiring electron',
      "export const e: unknown = require('electron')\n",
      'src-main/core/fixture.ts',
    ],
    [
      'renderer importing electron dynamically',
      "export const load = () => import('electron')\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'preload importing child_process',
      "import { exec } from 'child_process'\nexport const y = exec\n",
      'src-preload/fixture.ts',
    ],
    ...(['src-renderer/src/fixture.ts', 'src-shared/fixture.ts', 'src-preload/fixture.ts'].flatMap(
      (path) => [
        [`${path}: import('node:fs')`, "export const l = () => import('node:fs')\n", path],
        [`${path}: import('fs')`, "export const l = () => import('fs')\n", path],
        [`${path}: import('fs/promises')`, "export const l = () => import('fs/promises')\n", path],
        [`${path}: import('node:test')`, "export const l = () => import('node:test')\n", path],
        [
          `${path}: require('child_process')`,
          "export const c: unknown = require('child_process')\n",
          path,
        ],
        [`${path}: static 'node:sqlite'`, "import 'node:sqlite'\n", path],
      ],
    ) as [string, string, string][]),
    [
      'renderer reading process.env',
      'export const e = process.env.HOME\n',
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer using Buffer',
      "export const b = Buffer.from('x')\n",
      'src-renderer/src/fixture.tsx',
    ],
  ])('fails %s', async (_name, code, path) => {
    expect(await restrictedImports(code, path)).not.toEqual([])
  })

  it.each([
    [
      'electron adapters importing electron',
      "import { app } from 'electron'\nexport const x = app\n",
      'src-main/electron/fixture.ts',
    ],
    [
      'core importing the shared contract',
      "import { methods } from '../../src-shared/contract'\nexport const x = methods\n",
      'src-main/core/fixture.ts',
    ],
    [
      'core importing node builtins',
      "import { join } from 'node:path'\nexport const x = join\n",
      'src-main/core/fixture.ts',
    ],
    [
      'renderer importing an npm package dynamically',
      "export const l = () => import('zustand')\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer importing a package named like a builtin prefix',
      "export const l = () => import('pathe')\n",
      'src-renderer/src/fixture.ts',
    ],
    [
      'core importing node builtins dynamically',
      "export const l = () => import('node:fs')\n",
      'src-main/core/fixture.ts',
    ],
    [
      'renderer using browser globals',
      'export const w = window.location.href + String(globalThis.crypto)\n',
      'src-renderer/src/fixture.ts',
    ],
    [
      'renderer importing the shared contract',
      "import { methods } from '../../src-shared/contract'\nexport const x = methods\n",
      'src-renderer/src/fixture.ts',
    ],
  ])('allows %s', async (_name, code, path) => {
    expect(await restrictedImports(code, path)).toEqual([])
  })
})
