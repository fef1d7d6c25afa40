/** Plain-text tables for terminals: right-aligned numbers, left-aligned text. */
export function renderTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => (row[i] ?? "").length)));
  const numeric = headers.map((_, i) => cells.every((row) => /^[-+]?[\d.,%]*( ± [\d.,%]+)?$|^—$/.test(row[i] ?? "")));
  const line = (values: string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((width) => "─".repeat(width))), ...cells.map(line)].join("\n");
}

export function percent(value: number, digits = 1): string {
  return `${(100 * value).toFixed(digits)}%`;
}

export function fixed(value: number, digits = 2): string {
  return value.toFixed(digits);
}
