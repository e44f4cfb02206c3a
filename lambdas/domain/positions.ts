/**
 * A function from offsets of `text` to line (1-based) and column (1-based, in UTF-16 units); CRLF,
 * CR and LF each end a line, and a byte-order mark takes no column. Lines are indexed once, so many
 * look-ups stay cheap.
 */
export function positionsOf(text: string): (offset: number) => { line: number; column: number } {
  const bom = text[0] === '\uFEFF' ? 1 : 0;
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) starts.push(i + 1);
  }
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 - (low === 0 ? Math.min(bom, offset) : 0) };
  };
}
