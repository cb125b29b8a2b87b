export function buildTestTools(): Promise<string[]>
