import { useEffect } from 'react';
import { useStatus } from '../../stores/status.js';

/** Runtimes and per-model live figures, refreshed every second. */
export function StatusPage() {
  const { status, error, refresh } = useStatus();
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [refresh]);

  if (error) return <p role="alert">{error}</p>;
  if (!status) return <p>Connecting to the engine…</p>;
  return (
    <section>
      <p>
        Endpoint: <code>{status.baseUrl}</code> · in flight {status.inFlight} · queued {status.queued}
      </p>
      <table>
        <thead>
          <tr>
            <th>Model</th>
            <th>Runtime</th>
            <th>State</th>
            <th>Requests</th>
            <th>TTFT p50</th>
            <th>Decode tok/s</th>
          </tr>
        </thead>
        <tbody>
          {status.models.map((m) => {
            const runtime = status.runtimes.find((r) => r.id === m.runtime);
            return (
              <tr key={m.model}>
                <td>{m.model}</td>
                <td>{m.runtime}</td>
                <td>{runtime?.state ?? 'unknown'}</td>
                <td>{m.requests}</td>
                <td>{m.ttftMs.p50 === null ? '—' : `${m.ttftMs.p50} ms`}</td>
                <td>{m.decodeTokPerSec.p50 ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
