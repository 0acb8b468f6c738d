/** The Figma Plugin API types the plugin uses, imported as a module so they never leak into the rest of the project. */
export type {
  BaseNode, ChildrenMixin, ClientStorageAPI, ConstraintMixin, Constraints, ExportSettingsImage, FrameNode, GroupNode, Image, ImagePaint,
  NotificationOptions, PageNode, Paint, PluginAPI, Rect, RectangleNode, SceneNode, ShowUIOptions, Transform, UIAPI,
} from '@figma/plugin-typings/plugin-api-standalone.js';
