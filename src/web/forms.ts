import express from 'express';

/** The body parser for the shop's and the console's small HTML forms. */
export const htmlForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** A form field or query parameter as text; anything else (absent, repeated) is undefined. */
export const formText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
