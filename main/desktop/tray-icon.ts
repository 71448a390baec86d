/** The tray icon: a 32×32 PNG (a blue ring with a dot, a harbour light), inlined so the bundle needs no asset file. */
export const TRAY_ICON_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAfUlEQVR42u1XQQ4AIAjqT72219YXFDFYy61bQ9YQaYxfiZpr78iRNaYTQRtTiLCaQyQqQGUSrGeEcZhiSmN1KDmF2TXPIdxOQwlhV9Vevp8BRBROI4AazifwDgG5CK+N4XUjkluxxTKSr2OLQCKPZBah1CKWW3xMbL5mT9cBGc0CnbJWRoIAAAAASUVORK5CYII=';
