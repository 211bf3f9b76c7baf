// Redrawing a frame in place on a terminal: move the cursor up over the previous frame, clear to
// the end of the screen, write the new one. Frames are cut to the terminal's width by the
// renderer, so every frame line is one screen line and the count stays exact.
const ESC = '\x1b[';

/** The bytes that replace a frame of `previousLines` lines (already written) with `frame`. */
export function redrawSequence(previousLines: number, frame: string): string {
  const up = previousLines > 0 ? `${ESC}${previousLines}F` : '';
  return `${up}${ESC}0J${frame}\n`;
}

export function lineCount(frame: string): number {
  return frame.split('\n').length;
}

export class Redrawer {
  private lines = 0;
  private hidden = false;

  constructor(private readonly write: (s: string) => void) {}

  draw(frame: string): void {
    if (!this.hidden) {
      this.write(`${ESC}?25l`); // hide the cursor while redrawing
      this.hidden = true;
    }
    this.write(redrawSequence(this.lines, frame));
    this.lines = lineCount(frame);
  }

  /** Leave the last frame on screen and give the cursor back. */
  done(): void {
    if (this.hidden) this.write(`${ESC}?25h`);
    this.hidden = false;
    this.lines = 0;
  }
}
