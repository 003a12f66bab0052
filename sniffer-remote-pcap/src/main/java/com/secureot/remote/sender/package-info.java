/** Who sends: per-sender counters, the allow-list, routing by sender address, SOT1 loss counting. */
package com.secureot.remote.sender;
