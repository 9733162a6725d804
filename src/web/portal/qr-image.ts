// Owns showing the server's QR codes: its SVG text goes into an <img> as a data: URL, never into the page's DOM,
// so nothing in it can run or style the page (the CSP allows `img-src data:`; SECURITY A10.2).

/** An <img> of `svg` (the API's `qrSvg`), with `alt` saying what the code holds. */
export function qrImage(svg: string, alt: string): HTMLImageElement {
  const image = document.createElement('img');
  image.className = 'qr';
  image.alt = alt;
  image.width = 240;
  image.height = 240;
  // An SVG in an <img> is a static picture: no scripts, no external loads, no access to this document.
  image.src = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  return image;
}
