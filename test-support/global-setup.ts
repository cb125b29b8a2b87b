import { buildTestTools } from '../scripts/build-test-tools.mjs'

/** Builds the test executables (fake smolvm, …) once per vitest run. */
export default async function setup(): Promise<void> {
  await buildTestTools()
}
