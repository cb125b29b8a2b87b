import type { ReactNode } from 'react'
import type { Bottle } from '../../../src-shared/contract'
import { EgressEditor } from './EgressEditor'

/** Everything about a bottle: identity, network, images, environment and egress. */
export function BottleInfo({ bottle }: { bottle: Bottle }) {
  const facts: [string, ReactNode][] = [
    ['Slug', bottle.id],
    ['Machine', bottle.machineName],
    ['Agent', bottle.agent],
    ['Project folder', bottle.projectDir],
    [
      'Project',
      // Never mounted by Bot Bottle: only the agent's `volumes` in the manifest mount host folders.
      bottle.copyWorkdir
        ? `copied into ${bottle.workdir}`
        : `not copied into ${bottle.workdir} (the agent sees only its manifest volumes, if any)`,
    ],
    ['Network', bottle.network?.name ?? '—'],
    ['Subnet', bottle.network?.subnet ?? '—'],
    ['Gateway', bottle.network?.gateway ?? '—'],
    ['Bundle IP', bottle.network?.bundleIp ?? '—'],
    ['Bundle container', bottle.bundle?.container ?? '—'],
    ['Bundle image', bottle.bundle?.image ?? '—'],
    ['Image', bottle.pack?.imageRef ?? '—'],
    ['Pack digest', bottle.pack?.digest ?? '—'],
    ['Pack', bottle.pack?.path ?? '—'],
    ['smolvm', bottle.smolvmVersion ?? '—'],
    ['Created', new Date(bottle.createdAt).toLocaleString()],
    ['Started', bottle.startedAt ? new Date(bottle.startedAt).toLocaleString() : '—'],
    ['Ended', bottle.endedAt ? new Date(bottle.endedAt).toLocaleString() : '—'],
  ]
  return (
    <div className="info">
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k} className="fact">
            <dt>{k}</dt>
            <dd className="mono">{v}</dd>
          </div>
        ))}
      </dl>
      <section aria-labelledby="env-title">
        <h3 id="env-title">Environment</h3>
        {bottle.env.length === 0 ? (
          <p className="muted">No variables.</p>
        ) : (
          <table className="table env-table">
            <tbody>
              {bottle.env.map((e) => (
                <tr key={e.key}>
                  <th scope="row" className="mono">
                    {e.key}
                  </th>
                  <td className="mono">
                    {e.secret ? (
                      <span className="masked" title="Secret: the backend never sends its value">
                        {e.value} <span className="tag">secret</span>
                      </span>
                    ) : (
                      e.value
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <EgressEditor key={`${bottle.id}-${bottle.state}`} bottle={bottle} />
    </div>
  )
}
