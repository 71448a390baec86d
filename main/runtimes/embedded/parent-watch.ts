/**
 * The worker must never outlive the engine that spawned it. Two independent
 * signals, since either alone can miss a case:
 * - an IPC channel (spawned with 'ipc' in stdio) disconnects when the parent
 *   dies, however it dies;
 * - the parent pid changes when the parent dies and the process is re-parented
 *   (to init or a subreaper), polled every `pollMs`.
 */

export interface ParentWatchOptions {
  readonly onParentGone: (reason: string) => void;
  readonly pollMs?: number;
  /** Injected for tests; defaults to the real process. */
  readonly processLike?: ProcessLike;
}

export interface ProcessLike {
  readonly ppid: number;
  send?: unknown;
  once(event: 'disconnect', listener: () => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** Start watching; returns a function that stops watching. */
export function watchParent(options: ParentWatchOptions): () => void {
  const proc = options.processLike ?? process;
  const initialParent = proc.ppid;
  let fired = false;
  const fire = (reason: string): void => {
    if (fired) return;
    fired = true;
    stop();
    options.onParentGone(reason);
  };

  const onDisconnect = (): void => fire('the parent closed the IPC channel');
  const hasIpc = typeof proc.send === 'function';
  if (hasIpc) proc.once('disconnect', onDisconnect);

  const timer = setInterval(() => {
    if (proc.ppid !== initialParent) fire(`the parent process ${initialParent} is gone (now ${proc.ppid})`);
  }, options.pollMs ?? 500);
  timer.unref();

  function stop(): void {
    clearInterval(timer);
    if (hasIpc) proc.off('disconnect', onDisconnect);
  }
  return stop;
}
