package com.secureot.pcap.route;

import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.store.Route;

/**
 * Chooses the route of each packet. Called by the thread that fills the batch, once per packet,
 * right after the packet's bytes went in (while they are in that core's cache): each source
 * thread has its own router, and the writers only read the routes.
 */
public interface PacketRouter {
    Route route(PacketBatch batch, int index);
}
