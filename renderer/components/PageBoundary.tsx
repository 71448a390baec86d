/**
 * Around the open page: a page that cannot be drawn (most often its chunk
 * could not be fetched because the engine, which serves the panel, was away)
 * says so in its place instead of blanking the whole panel, and is tried
 * again when the engine is back or the user asks.
 */
import { Component, Suspense, type ReactNode } from 'react';
import type { PanelPage } from '../pages.js';
import { ErrorNotice } from './ErrorNotice.js';

export interface PageBoundaryProps {
  readonly page: PanelPage;
  /** Changes each time the engine is back after it was lost: a failed page is tried again then. */
  readonly resetKey: number;
  /** Shown while the page's chunk loads. */
  readonly loading: ReactNode;
  /** Drawn after the page, inside the same Suspense boundary. */
  readonly children?: ReactNode;
}

interface PageBoundaryState {
  readonly error: Error | null;
  /** Tries since the page first failed: a chunk that fails again is one the browser keeps failed until a reload. */
  readonly tries: number;
}

/** A chunk fetch that failed (the browser's words differ; Vite's CSS preload has its own). */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /dynamically imported module|Importing a module script failed|Unable to preload CSS/i.test(message);
}

export class PageBoundary extends Component<PageBoundaryProps, PageBoundaryState> {
  override state: PageBoundaryState = { error: null, tries: 0 };

  static getDerivedStateFromError(error: unknown): Partial<PageBoundaryState> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidUpdate(previous: PageBoundaryProps): void {
    if (previous.page !== this.props.page) {
      if (this.state.error) this.setState({ error: null, tries: 0 });
    } else if (this.state.error && previous.resetKey !== this.props.resetKey) {
      this.tryAgain();
    }
  }

  private tryAgain = () => {
    this.props.page.retry();
    this.setState((state) => ({ error: null, tries: state.tries + 1 }));
  };

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) {
      // Read at render time: after retry() the page is a new lazy component (React keeps the old one's failure).
      const Page = this.props.page.Component;
      return (
        <Suspense fallback={this.props.loading}>
          <Page />
          {this.props.children}
        </Suspense>
      );
    }
    const chunk = isChunkLoadError(error);
    if (chunk && this.state.tries > 0) {
      return (
        <ErrorNotice
          title={`The ${this.props.page.label} page could not be opened`}
          message="The browser keeps a page's code it failed to download until the page is reloaded, even now that Homeport answers."
          hint="Reload to open it. A reload loses what is not saved on other pages (an unsaved Playground chat, unsaved route edits)."
          retryLabel="Reload the page"
          onRetry={() => window.location.reload()}
        />
      );
    }
    return (
      <ErrorNotice
        title={`The ${this.props.page.label} page could not be opened`}
        message={chunk ? 'Its code comes from Homeport’s engine, which did not answer when the page was asked for.' : error.message}
        hint={
          chunk
            ? 'It opens by itself once the engine is back; Try again asks now. If it still does not open, reload the page.'
            : 'Try again; if it happens again, reload the page. What you typed on other pages is kept until you reload.'
        }
        onRetry={this.tryAgain}
      />
    );
  }
}
