/** Protocol v1 of the tsdsr bridge: the one source of truth for message schemas, types, error codes and limits. */
export * from './errors.ts';
export * from './limits.ts';
export * from './models.ts';
export * from './messages.ts';
export * from './rest.ts';
export * from './defaults.ts';
export * from './decode.ts';
export * from './train.ts';
