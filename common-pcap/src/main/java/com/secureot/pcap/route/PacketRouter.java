package com.secureot.pcap.route;

import com.secureot.pcap.packet.PacketBatch;
import com.secureot.pcap.store.OutputSeries;

/** Chooses the file series of each packet. Called by the store's thread only. */
public interface PacketRouter {
    OutputSeries route(PacketBatch batch, int index);
}
