/**
 * Which page is open, kept in the URL's hash (`#/models`) so reloads, the back
 * button and links work in the browser and in a `file://` desktop window alike.
 */
import { useSyncExternalStore } from 'react';

function read(): string {
  if (typeof window === 'undefined') return '/';
  const hash = window.location.hash.replace(/^#/, '');
  return hash.startsWith('/') ? hash : '/';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current path, e.g. `/models`. */
export function useHashPath(): string {
  return useSyncExternalStore(subscribe, read, () => '/');
}

export function navigate(path: string): void {
  window.location.hash = path;
}
