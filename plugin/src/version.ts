/** Who the plugin says it is in the bridge's `hello`; a test keeps the version equal to package.json's. */

/** The plugin's version, sent to the bridge and shown when versions are incompatible. */
export const PLUGIN_VERSION = '0.1.0';

/** The client name the plugin sends in its `hello`. */
export const PLUGIN_CLIENT_NAME = 'tsdsr-figma';
