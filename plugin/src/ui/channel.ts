/** The UI's end of the main⇄UI channel: messages go to the parent frame as `pluginMessage`, come back the same way. */
import { createChannel, MAIN_TO_UI_TYPES, type Channel, type MainToUi, type UiToMain } from '../messages.ts';

/** The typed channel to the plugin's main thread. */
export function uiChannel(): Channel<UiToMain, MainToUi> {
  return createChannel<UiToMain, MainToUi>(
    {
      send: (message) => parent.postMessage({ pluginMessage: message }, '*'),
      listen: (receive) =>
        window.addEventListener('message', (event: MessageEvent<{ pluginMessage?: unknown } | null>) => {
          if (event.source === window) return;
          const data = event.data;
          if (data && typeof data === 'object' && 'pluginMessage' in data) receive(data.pluginMessage);
        }),
    },
    MAIN_TO_UI_TYPES,
  );
}
