/**
 * This package is built in a later issue; it exists now so the workspace, its dependency arrows and its
 * build are in place from the start.
 */
export const version = '0.1.0';
