import { useEffect } from 'react'
import { dismissNotice, useNotices, type Notice } from '../stores/notices-store'

/** How long an info notice stays; warnings and errors stay until dismissed. */
const INFO_MS = 8000

/** Transient notices (bottle endings) in a corner, announced politely. */
export function Notices() {
  const notices = useNotices((s) => s.notices)
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  )
}

function NoticeItem({ notice }: { notice: Notice }) {
  useEffect(() => {
    if (notice.tone !== 'info') return
    const t = setTimeout(() => dismissNotice(notice.id), INFO_MS)
    return () => clearTimeout(t)
  }, [notice])
  return (
    <div className={`toast toast-${notice.tone}`}>
      <div className="toast-text">
        <strong>{notice.title}</strong>
        {notice.detail && <div className="small">{notice.detail}</div>}
      </div>
      {notice.href && (
        <a href={notice.href} className="btn btn-small" onClick={() => dismissNotice(notice.id)}>
          Show
        </a>
      )}
      <button
        type="button"
        className="btn-icon"
        aria-label="Dismiss"
        onClick={() => dismissNotice(notice.id)}
      >
        ×
      </button>
    </div>
  )
}
