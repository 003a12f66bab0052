/**
 * SOT2 at the collector: the session of one acknowledged stream (bytes in, records and acks out,
 * no socket) and the per-stream state under the output folder that keeps a restarted collector
 * from storing a record twice (docs/wire-formats.md).
 */
package com.secureot.remote.sot2;
