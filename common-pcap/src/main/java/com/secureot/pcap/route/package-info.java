/** Which file a packet goes to: address prefixes, prefix templates and the routers built from them. */
package com.secureot.pcap.route;
