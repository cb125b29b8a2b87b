export const TEST_IMAGES: { node: string; bundle: string; testkit: string }
export function buildTestImages(options?: {
  log?: (message: string) => void
}): Promise<typeof TEST_IMAGES>
