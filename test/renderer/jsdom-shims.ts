/** A MediaQueryList that answers `matches` and never changes (jsdom has no matchMedia). */
export function mediaQueryList(query: string, matches: boolean): MediaQueryList {
  return {
    matches,
    media: query,
    onchange: null,
    addEventListener() {},
    removeEventListener() {},
    addListener() {},
    removeListener() {},
    dispatchEvent: () => false,
  } as unknown as MediaQueryList;
}

/**
 * What jsdom lacks and Mantine reads: matchMedia for the colour scheme, ResizeObserver for segmented controls and
 * charts, Element.scrollTo for scroll areas, and document.fonts, which textarea autosize listens to.
 */
export function installJsdomShims(): void {
  window.matchMedia ??= ((query: string) => mediaQueryList(query, false)) as typeof window.matchMedia;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  Element.prototype.scrollTo ??= () => undefined;
  if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { value: { addEventListener() {}, removeEventListener() {} } });
}
