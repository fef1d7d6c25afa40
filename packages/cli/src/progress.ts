/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): (done: number) => void {
  if (!stream.isTTY) return () => {};
  let last = -1;
  return (done: number) => {
    const fraction = total === 0 ? 1 : done / total;
    const percent = Math.floor(fraction * 100);
    if (percent === last) return;
    last = percent;
    const width = 30;
    const filled = Math.round(fraction * width);
    stream.write(`\r${label} ${"█".repeat(filled)}${"░".repeat(width - filled)} ${String(percent).padStart(3)}%`);
    if (done >= total) stream.write("\r\x1b[2K");
  };
}
