/**
 * End-to-end tests across daemons: the built forwarder jar replaying captures into the built
 * collector jar on loopback, every stored packet compared with the forwarder's input.
 */
package com.secureot.e2e;
