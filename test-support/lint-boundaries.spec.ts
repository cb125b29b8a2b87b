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
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
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
      'renderer importing the shared contract',
      "import { methods } from '../../src-shared/contract'\nexport const x = methods\n",
      'src-renderer/src/fixture.ts',
    ],
  ])('allows %s', async (_name, code, path) => {
    expect(await restrictedImports(code, path)).toEqual([])
  })
})
