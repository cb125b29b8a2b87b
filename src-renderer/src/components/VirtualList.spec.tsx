// @vitest-environment happy-dom
import { act, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { VirtualList, rowAt, rowOffsets } from './VirtualList'

afterEach(() => vi.restoreAllMocks())

describe('row offsets', () => {
  it('uses measured heights where known and the one-line height elsewhere', () => {
    const o = rowOffsets([1, 2, 3, 4], (n) => n, new Map([[2, 54]]), 18)
    expect([...o]).toEqual([0, 18, 72, 90, 108])
    expect(rowAt(o, 0)).toBe(0)
    expect(rowAt(o, 17)).toBe(0)
    expect(rowAt(o, 18)).toBe(1)
    expect(rowAt(o, 71)).toBe(1)
    expect(rowAt(o, 72)).toBe(2)
    expect(rowAt(o, 10_000)).toBe(3)
    expect(
      rowAt(
        rowOffsets([], (n) => n, new Map(), 18),
        5,
      ),
    ).toBe(0)
  })
})

describe('virtual list', () => {
  it('makes room for rows that wrap once it has measured them', () => {
    // A layout stand-in: a row is three lines tall when its text is long.
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (
      this: HTMLElement,
    ) {
      const h = this.classList.contains('vlist-row')
        ? (this.textContent ?? '').length > 20
          ? 54
          : 18
        : 0
      return { height: h, width: 300, top: 0, left: 0, right: 300, bottom: h } as DOMRect
    })
    const texts = ['short', 'a line long enough to wrap twice', 'short', 'short']
    const items = texts.map((text, id) => ({ id, text }))
    const list = (rows: { id: number; text: string }[]) => (
      <VirtualList
        items={rows}
        rowHeight={18}
        rowKey={(r) => r.id}
        renderRow={(r) => r.text}
        follow={false}
        onFollowChange={() => {}}
        label="Lines"
      />
    )
    const { container, rerender } = render(list(items))
    const spacer = container.querySelector<HTMLElement>('.vlist-spacer')!
    expect(spacer.style.height).toBe(`${18 * 3 + 54}px`)
    act(() => rerender(list([...items, { id: 4, text: 'another line long enough to wrap' }])))
    expect(spacer.style.height).toBe(`${18 * 3 + 54 * 2}px`)
  })
})
