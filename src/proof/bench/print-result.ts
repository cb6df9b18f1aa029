/** Prints a result as an aligned table, and with `json` one JSON object as the very last line. */
export function printResult(title: string, result: Record<string, unknown>, json: boolean): void {
  const width = Math.max(...Object.keys(result).map((k) => k.length));
  const lines = [
    title,
    ...Object.entries(result).map(
      ([k, v]) => `  ${k.padEnd(width)}  ${v === null ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
}
