/** Test helpers for what a terminal shows. */

/** What a terminal shows of the text: \r returns to the line's start, ESC[K clears to its end. */
export function screen(text: string): string[] {
  const lines = [""];
  let column = 0;
  for (let i = 0; i < text.length; i++) {
    const last = lines.length - 1;
    if (text.startsWith("\x1b[K", i)) {
      lines[last] = lines[last]!.slice(0, column);
      i += 2;
    } else if (text[i] === "\r") column = 0;
    else if (text[i] === "\n") {
      lines.push("");
      column = 0;
    } else {
      lines[last] = lines[last]!.slice(0, column) + text[i] + lines[last]!.slice(column + 1);
      column++;
    }
  }
  return lines;
}
