/** A smolvm-level error: `Error: <message>` on stderr and exit 1 (src/main.rs). */
export class Failure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** Something the fake does not play: exit 2, so no test mistakes it for smolvm's behaviour. */
export class Unemulated extends Error {}

// The thiserror shapes of src/data/errors.rs.
export const vmNotFound = (name: string): Failure => new Failure(`vm not found: ${name}`)
export const configFailed = (operation: string, reason: string): Failure =>
  new Failure(`config operation failed: ${operation}: ${reason}`)
export const agentFailed = (operation: string, reason: string): Failure =>
  new Failure(`agent operation failed: ${operation}: ${reason}`)
export const mountFailed = (operation: string, reason: string): Failure =>
  new Failure(`mount operation failed: ${operation}: ${reason}`)
export const notRunning = (name: string): Failure =>
  agentFailed(
    'connect',
    `machine '${name}' is not running. Use 'smolvm machine start --name ${name}' first.`,
  )
