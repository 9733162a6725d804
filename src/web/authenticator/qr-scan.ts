// Owns reading QR codes: from the camera (BarcodeDetector where the browser has one, else jsQR, loaded only when
// needed) and from a chosen picture. The text is returned as is; enroll.ts tells what it is.

/** The part of the Barcode Detection API we use (not in TypeScript's DOM library). */
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

type Decoder = (canvas: HTMLCanvasElement) => Promise<string | undefined>;

let decoder: Promise<Decoder> | undefined;

/** BarcodeDetector when it reads QR codes (Android, ChromeOS, macOS, Safari 17+), else jsQR in our bundle. */
function qrDecoder(): Promise<Decoder> {
  decoder ??= (async () => {
    const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
    if (
      Detector !== undefined &&
      (await Detector.getSupportedFormats().catch((): string[] => [])).includes('qr_code')
    ) {
      const detector = new Detector({ formats: ['qr_code'] });
      return async (canvas) => (await detector.detect(canvas))[0]?.rawValue;
    }
    const jsQR = (await import('jsqr')).default;
    return async (canvas) => {
      const context = canvas.getContext('2d', { willReadFrequently: true })!;
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data;
    };
  })();
  return decoder;
}

function draw(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  // Large photos are scaled down: QR finding is quadratic-ish in pixels, and 1024 px is plenty for a screen QR.
  const scale = Math.min(1, 1024 / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext('2d', { willReadFrequently: true })!.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** The QR code in a picture file, or undefined. */
export async function scanFile(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    return await (await qrDecoder())(draw(bitmap, bitmap.width, bitmap.height));
  } finally {
    bitmap.close();
  }
}

export interface CameraScan {
  /** Resolves with the first QR code seen; rejects when the camera cannot be opened. */
  readonly result: Promise<string>;
  stop(): void;
}

/** Shows the back camera in `video` and looks for a QR code about five times a second. */
export function scanCamera(video: HTMLVideoElement): CameraScan {
  let stopped = false;
  let stream: MediaStream | undefined;
  const stop = () => {
    stopped = true;
    for (const track of stream?.getTracks() ?? []) track.stop();
    video.srcObject = null;
  };
  const result = (async () => {
    if (navigator.mediaDevices?.getUserMedia === undefined) throw new Error('no camera API');
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'environment' },
      audio: false,
    });
    if (stopped) {
      stop();
      throw new Error('stopped');
    }
    video.srcObject = stream;
    await video.play();
    const decode = await qrDecoder();
    while (!stopped) {
      if (video.videoWidth > 0) {
        const text = await decode(draw(video, video.videoWidth, video.videoHeight)).catch(() => undefined);
        if (text !== undefined && text !== '') {
          stop();
          return text;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('stopped');
  })();
  return { result, stop };
}
