/**
 * The forwarder's spool: every packet not yet acknowledged by the collector, in a segment log of
 * its own on local disk (docs/configuration-forwarder.md, "Spool"), read by cursors and freed by
 * acknowledgements. Written for SOT2; any acknowledged sink can use it.
 */
package com.secureot.forward.spool;
