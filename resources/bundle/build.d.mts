export function buildBundleJs(): Promise<string>
export function bundleNodeScript(entry: string): Promise<string>
export function readDockerfile(): Promise<string>
export function definitionHash(dockerfile: string, code: string, base?: string): string
export function writeBuildContext(dir: string, dockerfile: string, code: string): Promise<void>
