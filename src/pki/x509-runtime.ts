/**
 * The one place that loads @peculiar/x509 (heavy: import it only from commands that need it).
 * Its dependency injection needs the reflect-metadata polyfill first; signing uses Node's WebCrypto.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
