/** Shows errors in the page's alert box (and keeps the first one for the end-to-end test to report). */
export class ErrorBox {
  constructor(private readonly el: HTMLElement) {
    window.addEventListener('error', (event) => this.show(event.error ?? event.message));
    window.addEventListener('unhandledrejection', (event) => this.show(event.reason));
  }

  show(err: unknown): void {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.el.hidden = false;
    this.el.textContent = this.el.textContent ? `${this.el.textContent}\n${text}` : text;
    console.error(err);
  }

  clear(): void {
    this.el.hidden = true;
    this.el.textContent = '';
  }
}
