/** Selection summaries for the UI, in order: each is numbered, and one overtaken by a newer selection is never sent. */
import type { Channel, MainToUi, SelectionSummary, UiToMain } from '../messages.ts';
import type { PluginHost } from './host.ts';
import { summarizeSelection } from './selection.ts';

/** A selection summary and its number in the order of selections. */
export interface NumberedSummary {
  seq: number;
  selection: SelectionSummary;
}

/** Numbers selection summaries; reading a layer's image may be slow, so a later selection can finish first. */
export class SelectionFeed {
  #latest = 0;

  constructor(
    private readonly host: PluginHost,
    private readonly channel: Channel<MainToUi, UiToMain>,
  ) {}

  /** Summarizes the current selection under a new number, which overtakes every summary still being read. */
  async summarize(): Promise<NumberedSummary> {
    const seq = ++this.#latest;
    return { seq, selection: await summarizeSelection(this.host) };
  }

  /** Sends the current selection to the UI, unless a newer selection overtook it while it was being read. */
  async send(): Promise<void> {
    const { seq, selection } = await this.summarize();
    if (seq === this.#latest) this.channel.emit({ type: 'selection', seq, selection });
  }
}
