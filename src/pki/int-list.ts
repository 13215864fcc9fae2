/**
 * A growing list of 32-bit integers in an Int32Array: for per-entry columns of 100,000-entry CRLs and indexes,
 * where pushing onto a plain array costs a barrier and a backing-store copy the garbage collector then scans.
 */
export class IntList {
  private data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }
}
